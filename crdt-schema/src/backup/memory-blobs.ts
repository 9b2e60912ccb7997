/**
 * An in-memory {@link BackupBlobs} with call counters: the reference the
 * relay-backed implementation is checked against, and what unit tests of the
 * backup format count uploads on.
 */
import { toBase64Url } from '../ids.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import type { BackupBlobInfo, BackupBlobKind, BackupBlobs } from './backup-blobs.ts';

export interface MemoryBackupBlobs extends BackupBlobs {
  readonly stored: Map<string, { kind: BackupBlobKind; data: Uint8Array; storedAt: number }>;
  readonly puts: { kind: BackupBlobKind; id: string; bytes: number }[];
}

export function memoryBackupBlobs(crypto: CryptoProvider, now: () => number = Date.now): MemoryBackupBlobs {
  const stored = new Map<string, { kind: BackupBlobKind; data: Uint8Array; storedAt: number }>();
  const puts: { kind: BackupBlobKind; id: string; bytes: number }[] = [];
  const address = (data: Uint8Array) => toBase64Url(crypto.hash(data, 32));
  return {
    stored,
    puts,
    idOf: (data) => Promise.resolve(address(data)),
    hasMany: (ids) => Promise.resolve(new Set(ids.filter((id) => stored.has(id)))),
    put(kind, data) {
      const id = address(data);
      puts.push({ kind, id, bytes: data.length });
      if (!stored.has(id)) stored.set(id, { kind, data: data.slice(), storedAt: now() });
      return Promise.resolve(id);
    },
    get: (id) => Promise.resolve(stored.get(id)?.data.slice() ?? null),
    list: (kind) => Promise.resolve([...stored].filter(([, b]) => b.kind === kind).map(([id, b]): BackupBlobInfo => ({ id, size: b.data.length, storedAt: b.storedAt }))),
    delete(ids) {
      for (const id of ids) stored.delete(id);
      return Promise.resolve();
    },
  };
}
