/** Recovery phrase, backup keys, and incremental encrypted backups to the relay's blob store (restore points, retention, schedule). */
export * from './recovery-phrase.ts';
export * from './backup-key.ts';
export * from './backup-blobs.ts';
export * from './chunk-seal.ts';
export * from './manifest.ts';
export * from './write-backup.ts';
export * from './read-backup.ts';
export * from './retention.ts';
export * from './schedule.ts';
export * from './memory-blobs.ts';
export * from './workspace-units.ts';
export * from './relay-blobs.ts';
export * from './backup-reader.ts';
export * from './recovery-kit.ts';
export * from './workspace-contents.ts';
export * from './restore-copy.ts';
export * from './chunking.ts';
