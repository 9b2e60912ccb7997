/** The input gate: only signed, fresh frames from current writers type; automatic replies are filtered. */
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';
import { describe, expect, it } from 'vitest';
import { InputGate, type DropReason, type InputFrame } from './input-gate.ts';

const dev = (c: string): DeviceId => c.repeat(43) as DeviceId;
const OWNER = dev('o');
const WRITER = dev('w');
const VIEWER = dev('v');
const REVOKED = dev('r');
const SESSION = 's'.repeat(22) as SessionId;
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const str = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
/** A frame whose "signature" is the device id: `verify` accepts it when it matches. */
const frame = (device: DeviceId, counter: number, data: string, extra: Partial<InputFrame> = {}): InputFrame => ({
  session: SESSION, counter, data: bytes(data), device, signature: bytes(device), ...extra,
});

function gate(writers: DeviceId[] = [OWNER, WRITER, REVOKED]) {
  const log: { reason: DropReason; device: DeviceId | null }[] = [];
  const g = new InputGate({
    session: SESSION,
    verify: (f) => (f.signature !== undefined && f.device !== undefined && str(f.signature) === f.device ? f.device : null),
    writers: () => writers,
    isRevoked: (d) => d === REVOKED,
    log: ({ reason, device }) => log.push({ reason, device }),
  });
  return { g, log };
}

describe('the input gate', () => {
  it('passes a writer\'s signed frame', () => {
    const { g } = gate();
    expect(g.check(frame(OWNER, 1, 'ls\r'))).toMatchObject({ ok: true, device: OWNER });
  });

  it('drops and logs unsigned and forged frames', () => {
    const { g, log } = gate();
    expect(g.check(frame(OWNER, 1, 'x', { signature: undefined }))).toMatchObject({ ok: false, reason: 'unsigned' });
    expect(g.check(frame(OWNER, 2, 'x', { signature: bytes(VIEWER) }))).toMatchObject({ ok: false, reason: 'unsigned' });
    expect(log.map((l) => l.reason)).toEqual(['unsigned', 'unsigned']);
  });

  it('drops input from a viewer and from a revoked device', () => {
    const { g, log } = gate();
    expect(g.check(frame(VIEWER, 1, 'rm -rf /\r'))).toMatchObject({ ok: false, reason: 'not-writer', device: VIEWER });
    expect(g.check(frame(REVOKED, 1, 'ls\r'))).toMatchObject({ ok: false, reason: 'revoked', device: REVOKED });
    expect(log).toEqual([{ reason: 'not-writer', device: VIEWER }, { reason: 'revoked', device: REVOKED }]);
  });

  it('stops a device removed from the writer list', () => {
    const writers = [OWNER, WRITER];
    const { g } = gate(writers);
    expect(g.check(frame(WRITER, 1, 'a')).ok).toBe(true);
    writers.pop();
    expect(g.check(frame(WRITER, 2, 'b'))).toMatchObject({ ok: false, reason: 'not-writer' });
  });

  it('rejects replayed and old counters, per device, and allows gaps', () => {
    const { g } = gate();
    expect(g.check(frame(OWNER, 5, 'a')).ok).toBe(true);
    expect(g.check(frame(OWNER, 5, 'a'))).toMatchObject({ ok: false, reason: 'replay' });
    expect(g.check(frame(OWNER, 3, 'a'))).toMatchObject({ ok: false, reason: 'replay' });
    expect(g.check(frame(OWNER, 1.5, 'a'))).toMatchObject({ ok: false, reason: 'replay' });
    expect(g.check(frame(WRITER, 1, 'a')).ok).toBe(true);
    expect(g.check(frame(OWNER, 9, 'a')).ok).toBe(true);
    expect(g.counters()).toEqual(new Map([[OWNER, 9], [WRITER, 1]]));
  });

  it('keeps rejecting old counters after a restart when given the saved counters', () => {
    const first = gate().g;
    first.check(frame(OWNER, 7, 'a'));
    const second = new InputGate({ session: SESSION, verify: (f) => f.device ?? null, writers: () => [OWNER], counters: first.counters() });
    expect(second.check(frame(OWNER, 7, 'a'))).toMatchObject({ ok: false, reason: 'replay' });
  });

  it('drops frames for another session', () => {
    const { g } = gate();
    expect(g.check(frame(OWNER, 1, 'a', { session: 't'.repeat(22) as SessionId }))).toMatchObject({ ok: false, reason: 'wrong-session' });
  });

  it('files a viewer\'s automatic replies as auto-reply, not as an intrusion', () => {
    const { g, log } = gate();
    expect(g.check(frame(VIEWER, 1, '\x1b[?1;2c\x1b[I'))).toMatchObject({ ok: false, reason: 'auto-reply' });
    expect(g.check(frame(VIEWER, 2, '\x1b[12;1Rls'))).toMatchObject({ ok: false, reason: 'not-writer' });
    expect(log.map((l) => l.reason)).toEqual(['auto-reply', 'not-writer']);
  });

  it('lets only the most recently typing writer answer queries', () => {
    const { g } = gate();
    expect(g.check(frame(OWNER, 1, 'vim\r')).ok).toBe(true);
    expect(g.activeWriter).toBe(OWNER);
    expect(g.check(frame(OWNER, 2, '\x1b[5;1R'))).toMatchObject({ ok: true });
    expect(g.check(frame(WRITER, 1, '\x1b[5;1R'))).toMatchObject({ ok: false, reason: 'auto-reply' });
    // Typing makes a writer the active one; its whole frame passes.
    const typed = g.check(frame(WRITER, 2, '\x1b[Ij'));
    expect(typed.ok && str(typed.data)).toBe('\x1b[Ij');
    expect(g.activeWriter).toBe(WRITER);
    const stripped = g.check(frame(OWNER, 3, '\x1b[O'));
    expect(stripped).toMatchObject({ ok: false, reason: 'auto-reply' });
    expect(g.check(frame(OWNER, 4, '\x1b[?1;2c'))).toMatchObject({ ok: false, reason: 'auto-reply' });
    expect(g.check(frame(WRITER, 3, '\x1b[?1;2c'))).toMatchObject({ ok: true });
  });
});
