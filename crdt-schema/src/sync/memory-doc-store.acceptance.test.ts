/** The DocStore acceptance suite against MemoryDocStore (no reopen: it keeps nothing). */
import { MemoryDocStore } from './doc-store.ts';
import { runDocStoreTests } from './doc-store.acceptance.ts';

runDocStoreTests('memory', async () => ({ store: new MemoryDocStore() }));
