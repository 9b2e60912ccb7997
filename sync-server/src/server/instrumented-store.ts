/**
 * Wraps a RelayStore so every call's latency lands in the store histogram,
 * labelled by operation. Behaviour is unchanged; call order is preserved.
 */
import type { RelayStore } from '../store/types.ts';
import type { Histogram } from './prometheus.ts';

/** Every RelayStore method; `satisfies` keeps the list in step with the interface. */
const OPS = {
  createWorkspace: 1, getWorkspace: 1, addAdmin: 1, revokeDevice: 1, isRevoked: 1,
  enrolDevice: 1,
  isMember: 1, workspacesOfMember: 1, createDoc: 1, getDoc: 1, setCaps: 1,
  append: 1, readSince: 1, head: 1, getSnapshot: 1, putSnapshot: 1, prune: 1,
  putBlob: 1, takeBlob: 1, expireBlobs: 1,
  putStoredBlob: 1, getStoredBlobInfo: 1, readStoredBlob: 1, hasStoredBlobs: 1, listStoredBlobs: 1, deleteStoredBlob: 1, stats: 1, check: 1, countWorkspaces: 1, workspaceUsage: 1, close: 1,
} as const satisfies Record<keyof RelayStore, 1>;

export function instrumentStore(store: RelayStore, histogram: Histogram): RelayStore {
  const wrapped = {} as Record<string, unknown>;
  for (const op of Object.keys(OPS) as (keyof RelayStore)[]) {
    const fn = store[op] as (...args: unknown[]) => Promise<unknown>;
    wrapped[op] = (...args: unknown[]): Promise<unknown> => {
      const start = process.hrtime.bigint();
      const observe = (): void => histogram.observe(Number(process.hrtime.bigint() - start) / 1e9, { op });
      const result = fn.apply(store, args);
      result.then(observe, observe);
      return result;
    };
  }
  return wrapped as unknown as RelayStore;
}
