/** The gateway's SQLite input counters pass the store acceptance suite, reopen included. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runInputCounterStoreTests } from '@tendril/gateway/input-counters-suite';
import { InputCounterDb } from './input-counter-db.ts';

const dir = mkdtempSync(join(tmpdir(), 'tendril-counters-'));
const open: InputCounterDb[] = [];
afterAll(() => {
  for (const db of open) db.close();
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;

runInputCounterStoreTests(
  'sqlite',
  async () => {
    const path = join(dir, `counters-${n++}.sqlite`);
    const make = (): InputCounterDb => {
      const db = new InputCounterDb(path);
      open.push(db);
      return db;
    };
    return { store: make(), reopen: make };
  },
  { persistent: true },
);
