/**
 * What a gateway keeps in its home against replays and takeovers, reopened as
 * after a restart: used file-transfer ids stay used (until pruned by age) and
 * a session's recorded owner stays, never replaced by a later record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';
import { SessionOwnerDb } from './session-owner-db.ts';
import { UsedTransferDb } from './used-transfer-db.ts';

const dir = mkdtempSync(join(tmpdir(), 'tendril-gw-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const S = 's'.repeat(22) as SessionId;
const A = 'a'.repeat(52) as DeviceId;
const B = 'b'.repeat(52) as DeviceId;

describe("a gateway's replay state in its home", () => {
  it('keeps used transfer ids across a reopen, and prunes only those older than the cut-off', () => {
    const path = join(dir, 'ids.sqlite');
    const first = new UsedTransferDb(path);
    expect(first.claim(S, A, 7, 1_000)).toBe(true);
    expect(first.claim(S, A, 7, 1_000)).toBe(false);
    expect(first.claim(S, A, 8, 5_000)).toBe(true);
    expect(first.claim(S, B, 7, 1_000)).toBe(true);
    first.close();
    const again = new UsedTransferDb(path);
    expect(again.claim(S, A, 7, 1_000)).toBe(false);
    again.prune(2_000);
    expect(again.claim(S, A, 8, 5_000)).toBe(false);
    expect(again.claim(S, A, 7, 1_000)).toBe(true);
    again.close();
  });

  it('keeps a session owner across a reopen and never replaces it', () => {
    const path = join(dir, 'owners.sqlite');
    const first = new SessionOwnerDb(path);
    expect(first.owner(S)).toBeUndefined();
    first.record(S, A);
    first.record(S, B);
    first.close();
    const again = new SessionOwnerDb(path);
    expect(again.owner(S)).toBe(A);
    again.close();
  });
});
