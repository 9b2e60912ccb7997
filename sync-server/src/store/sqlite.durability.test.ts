/**
 * Durability: a child process appends in concurrent bursts and prints each
 * acknowledged seq; the test kills it with SIGKILL mid-burst, reopens the
 * database, and finds every acknowledged entry, with its bytes.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newDocId } from '@tendril/crdt-schema/ids';
import { openSqliteStore } from './sqlite.ts';
import { envelopeFor } from '../testing/durability.ts';
import { spawnTs } from '../testing/spawn.ts';
import { tempDirs } from '../testing/temp-dir.ts';

const CHILD = fileURLToPath(new URL('../testing/sqlite-append-child.ts', import.meta.url));
const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('SQLite store durability', () => {
  it('keeps every acknowledged append through a SIGKILL', async () => {
    const path = join(dirs.make(), 'relay.sqlite');
    const doc = newDocId();
    const child = spawnTs(CHILD, [path, doc]);
    try {
      await child.waitForLine(/^acked 1000 /, 60_000);
    } finally {
      await child.stop('SIGKILL');
    }
    expect((await child.exited).signal).toBe('SIGKILL');
    const acked = child.lines.flatMap((l) => {
      const m = l.match(/^acked (\d+) (\d+)$/);
      return m ? [{ seq: Number(m[1]), counter: Number(m[2]) }] : [];
    });
    expect(acked.length).toBeGreaterThanOrEqual(1000);

    const store = openSqliteStore({ path });
    try {
      const stored = new Map((await store.readSince(doc, 0, 1_000_000)).map((e) => [e.seq, e]));
      for (const { seq, counter } of acked) {
        const entry = stored.get(seq);
        expect(entry?.counter, `seq ${seq}`).toBe(counter);
        expect(Buffer.from(entry!.envelope).equals(Buffer.from(envelopeFor(counter)))).toBe(true);
      }
      // The log is contiguous: nothing acknowledged sits behind a hole.
      expect([...stored.keys()]).toEqual(Array.from({ length: stored.size }, (_, i) => i + 1));
    } finally {
      await store.close();
    }
  });
});
