/**
 * Per-workspace quotas: what a workspace stores (documents, bytes, blobs),
 * read from the store and then kept current by the relay's own writes, so the
 * hot append path checks a number instead of querying. Figures older than
 * `usageRefreshMs` are read again (pruning, taken and expired blobs lower
 * them). Until a workspace's first figures arrive its writes pass: the cap is
 * enforced from the first answer on.
 */
import type { WorkspaceId } from '@tendril/crdt-schema/ids';
import type { RelayStore, WorkspaceUsage } from '../store/types.ts';
import type { Clock } from './clock.ts';
import type { RelayLimits } from './config.ts';

interface Entry {
  usage: WorkspaceUsage;
  at: number;
  loading: Promise<void> | null;
}

export type QuotaKind = 'docs' | 'bytes' | 'blobs';

export class UsageTracker {
  private readonly entries = new Map<WorkspaceId, Entry>();

  constructor(
    private readonly store: RelayStore,
    private readonly clock: Clock,
    private readonly limits: RelayLimits,
  ) {}

  /** Current figures (fresh from the store if stale); for handlers that may wait. */
  async current(workspace: WorkspaceId): Promise<WorkspaceUsage> {
    const e = this.entries.get(workspace);
    if (!e || this.stale(e)) await this.load(workspace);
    return this.entries.get(workspace)!.usage;
  }

  /** The known figures without waiting (a refresh starts when they are missing or stale). */
  peek(workspace: WorkspaceId): WorkspaceUsage | undefined {
    const e = this.entries.get(workspace);
    if (!e || this.stale(e)) void this.load(workspace).catch(() => {});
    return e?.usage;
  }

  /** The quota `add` would exceed, or undefined when it fits (or the figures are not known yet). */
  exceeds(usage: WorkspaceUsage | undefined, add: Partial<WorkspaceUsage>): QuotaKind | undefined {
    if (!usage) return undefined;
    if ((add.docs ?? 0) > 0 && usage.docs + (add.docs ?? 0) > this.limits.maxDocsPerWorkspace) return 'docs';
    if ((add.blobs ?? 0) > 0 && usage.blobs + (add.blobs ?? 0) > this.limits.maxBlobsPerWorkspace) return 'blobs';
    if ((add.bytes ?? 0) > 0 && usage.bytes + (add.bytes ?? 0) > this.limits.maxStoredBytesPerWorkspace) return 'bytes';
    return undefined;
  }

  /** Counts a write the relay made. */
  add(workspace: WorkspaceId, add: Partial<WorkspaceUsage>): void {
    const e = this.entries.get(workspace);
    if (!e) return;
    e.usage = { docs: e.usage.docs + (add.docs ?? 0), bytes: e.usage.bytes + (add.bytes ?? 0), blobs: e.usage.blobs + (add.blobs ?? 0) };
  }

  private stale(e: Entry): boolean {
    return this.clock.now() - e.at >= this.limits.usageRefreshMs;
  }

  private load(workspace: WorkspaceId): Promise<void> {
    const e = this.entries.get(workspace);
    if (e?.loading) return e.loading;
    const loading = this.store.workspaceUsage(workspace).then(
      (usage) => void this.entries.set(workspace, { usage, at: this.clock.now(), loading: null }),
      (err: unknown) => {
        const cur = this.entries.get(workspace);
        if (cur) cur.loading = null;
        throw err;
      },
    );
    if (e) e.loading = loading;
    else this.entries.set(workspace, { usage: { docs: 0, bytes: 0, blobs: 0 }, at: -Infinity, loading });
    return loading;
  }
}
