/**
 * What backups need from the relay's blob layer: content-addressed opaque
 * blobs of two kinds, per workspace. The relay only ever sees ciphertext,
 * its hash and its size. `idOf` is the blob layer's address function, so a
 * client can tell which chunks the relay already holds before uploading.
 */
export type BackupBlobKind = 'backup-chunk' | 'backup-manifest';

export interface BackupBlobInfo {
  readonly id: string;
  readonly size: number;
  /** When the relay stored it (ms), where the store says. */
  readonly storedAt?: number;
}

export interface BackupBlobs {
  /** The content address of `data` (async: the browser hashes with WebCrypto). */
  idOf(data: Uint8Array): Promise<string>;
  /** Which of `ids` the relay holds (one round trip). */
  hasMany(ids: readonly string[]): Promise<ReadonlySet<string>>;
  /** Stores `data`; resolves with its id. Storing the same bytes twice stores them once. */
  put(kind: BackupBlobKind, data: Uint8Array): Promise<string>;
  /** The bytes, or null when the relay has no such blob. */
  get(id: string): Promise<Uint8Array | null>;
  list(kind: BackupBlobKind): Promise<readonly BackupBlobInfo[]>;
  delete(ids: readonly string[]): Promise<void>;
}
