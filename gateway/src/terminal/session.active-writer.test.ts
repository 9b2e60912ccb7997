/**
 * The size follows the writer who typed last, not a writer whose window merely opened: a phone
 * that opens a session sends automatic replies (a focus report, answers to queries) and its own
 * window size, and neither may shrink the terminal for the laptop that is typing.
 */
import type { DeviceId } from '@tendril/crdt-schema/ids';
import { afterEach, describe, expect, it } from 'vitest';
import type { TerminalSession } from './session.ts';
import { ManualTimers, startShellSession, WRITER } from './test-support.ts';

const PHONE = 'P'.repeat(43) as DeviceId;
const data = (s: string): Uint8Array => new TextEncoder().encode(s);

const sessions: TerminalSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.end()));
});

async function twoWriters() {
  const timers = new ManualTimers();
  const session = await startShellSession({ timers, resizeDebounceMs: 10, gate: { verify: (f) => f.device ?? null, writers: () => [WRITER, PHONE] } });
  sessions.push(session);
  const sizes: string[] = [];
  session.on('resize', (s) => sizes.push(`${s.cols}x${s.rows}`));
  return { timers, session, sizes };
}

describe('the writer a session follows', () => {
  it('is not a writer whose window only opened and answered the terminal by itself', async () => {
    const { timers, session, sizes } = await twoWriters();
    session.viewport(PHONE, { cols: 40, rows: 20 });
    // Before anyone typed, the phone's replies pass (it answers queries), but they are no key press.
    expect(session.input({ session: session.id, counter: 1, device: PHONE, data: data('\x1b[I') })).toMatchObject({ ok: true, typed: false });
    expect(session.input({ session: session.id, counter: 2, device: PHONE, data: data('\x1b[?1;2c') })).toMatchObject({ ok: true, typed: false });
    timers.advance(50);
    expect(sizes).toEqual([]);
    expect(session.info().size).toMatchObject({ cols: 80, rows: 24 });
  });

  it('is the writer who typed last, whatever other writers report', async () => {
    const { timers, session, sizes } = await twoWriters();
    session.viewport(WRITER, { cols: 120, rows: 40 });
    session.input({ session: session.id, counter: 1, device: WRITER, data: data('true\r') });
    timers.advance(50);
    session.viewport(PHONE, { cols: 40, rows: 20 });
    session.input({ session: session.id, counter: 1, device: PHONE, data: data('\x1b[I') });
    timers.advance(50);
    expect(sizes).toEqual(['120x40']);
    session.input({ session: session.id, counter: 2, device: PHONE, data: data('x') });
    timers.advance(50);
    expect(sizes).toEqual(['120x40', '40x20']);
  });
});
