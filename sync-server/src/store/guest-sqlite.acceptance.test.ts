/** The GuestStore acceptance suite against SQLite, each test in a fresh temp file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runGuestStoreTests } from './guest-acceptance.ts';
import { openSqliteGuestStore } from './guest-sqlite.ts';
import type { GuestStore } from './guest-types.ts';

const dir = mkdtempSync(join(tmpdir(), 'tendril-guests-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const paths = new Map<GuestStore, string>();
let n = 0;

runGuestStoreTests(
  'sqlite',
  () => {
    const path = join(dir, `guests-${n++}.sqlite`);
    const store = openSqliteGuestStore(path);
    paths.set(store, path);
    return store;
  },
  {
    reopen: async (store) => {
      const path = paths.get(store)!;
      await store.close();
      const again = openSqliteGuestStore(path);
      paths.set(again, path);
      return again;
    },
  },
);
