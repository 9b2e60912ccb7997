/** Browser platform code: the IndexedDB home and DocStore, and the non-extractable key that wraps device secrets. */
export * from './idb.ts';
export * from './idb-doc-store.ts';
export * from './key-wrap.ts';
export * from './home-record.ts';
export * from './vault.ts';
export * from './browser-home.ts';
export * from './idb-blob-cache.ts';
