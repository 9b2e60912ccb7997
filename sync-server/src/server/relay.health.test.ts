/**
 * /healthz tells the truth about the database: a running relay whose SQLite
 * connection stops accepting writes answers 503 `ok: false` and logs the
 * cause, and answers 200 again once writes work. The failure is real SQLite
 * refusing writes (`PRAGMA query_only` on the relay's own connection).
 */
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FrameType } from '@tendril/crdt-schema/wire';
import { openSqliteStore } from '../store/sqlite.ts';
import { jsonLogger } from './logger.ts';
import { relayHarness } from '../testing/harness.ts';
import { createDoc } from '../testing/docs.ts';
import { makeEnvelope } from '../testing/envelopes.ts';
import { tempDirs } from '../testing/temp-dir.ts';

const h = relayHarness();
const dirs = tempDirs();
afterEach(() => h.cleanup());
afterAll(() => dirs.cleanup());

async function health(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/healthz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('relay health and the database', () => {
  it('answers 503 with the cause logged while the SQLite database refuses writes, and 200 once it accepts them again', async () => {
    let db: Database.Database | undefined;
    const store = openSqliteStore({ path: join(dirs.make(), 'relay.sqlite'), onOpen: (d) => (db = d) });
    const log: string[] = [];
    const relay = await h.start({ store, logger: jsonLogger((l) => log.push(l)) });
    expect(await health(relay.url)).toMatchObject({ status: 200, body: { ok: true } });

    const m = await h.member(relay);
    const { doc } = await createDoc(m.client);
    db!.pragma('query_only = 1');
    const down = await health(relay.url);
    expect(down).toMatchObject({ status: 503, body: { ok: false, store: 'failing' } });
    const logged = log.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === 'store.unhealthy');
    expect(logged).toMatchObject({ level: 'error', cause: expect.stringMatching(/readonly/) });
    m.client.send({ type: FrameType.Envelope, doc, ref: 1, envelope: makeEnvelope({ doc, author: m.device, counter: 1 }) });
    expect(await m.client.nextError('E_STORE_FAILED')).toMatchObject({ ref: 1 });

    db!.pragma('query_only = 0');
    expect(await health(relay.url)).toMatchObject({ status: 200, body: { ok: true } });
    m.client.send({ type: FrameType.Envelope, doc, ref: 2, envelope: makeEnvelope({ doc, author: m.device, counter: 1 }) });
    expect(await m.client.nextOf(FrameType.Ack, doc)).toMatchObject({ ref: 2, seq: 1 });
  });
});
