/** The encrypted sync provider: per-document sync, the relay connection, local store interface, status. */
export * from './doc-cipher.ts';
export * from './doc-store.ts';
export * from './doc-sync.ts';
export * from './relay-client.ts';
export * from './status.ts';
export * from './seq-window.ts';
export * from './local-log.ts';
export * from './local-update.ts';
export * from './local-state.ts';
export * from './relay-ledger.ts';
