/** The RelayStore acceptance suite against the in-memory store. */
import { runRelayStoreTests } from './acceptance.ts';
import { createMemoryStore } from './memory.ts';

runRelayStoreTests('memory', () => createMemoryStore());
