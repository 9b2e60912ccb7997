/** The RelayStore acceptance suite against the SQLite store, including reopen. */
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runRelayStoreTests } from './acceptance.ts';
import { openSqliteStore } from './sqlite.ts';
import type { RelayStore } from './types.ts';
import { tempDirs } from '../testing/temp-dir.ts';

const dirs = tempDirs('tendril-store-');
afterAll(() => dirs.cleanup());
const paths = new WeakMap<RelayStore, string>();

function open(path: string): RelayStore {
  const store = openSqliteStore({ path });
  paths.set(store, path);
  return store;
}

runRelayStoreTests('sqlite', () => open(join(dirs.make(), 'relay.sqlite')), {
  reopen: async (store) => {
    await store.close();
    return open(paths.get(store)!);
  },
});
