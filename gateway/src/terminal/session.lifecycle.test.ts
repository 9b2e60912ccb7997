/** A real session's lifecycle: resize follows the active writer, idle and running, ended with its last screen. */
import { afterEach, describe, expect, it } from 'vitest';
import type { TerminalSession } from './session.ts';
import { startShellSession, waitFor, WRITER } from './test-support.ts';

const sessions: TerminalSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.end()));
});
const data = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('a session', () => {
  it('resizes the shell and the mirror to the active writer\'s window', async () => {
    const session = await startShellSession({ resizeDebounceMs: 10 });
    sessions.push(session);
    const resized = session.when('resize');
    session.viewport(WRITER, { cols: 100, rows: 30 });
    session.input({ session: session.id, counter: 1, device: WRITER, data: data('stty size\r') });
    expect(await resized).toMatchObject({ cols: 100, rows: 30, by: WRITER });
    session.input({ session: session.id, counter: 2, device: WRITER, data: data('stty size\r') });
    await waitFor(async () => (await session.screenText()).includes('30 100'), 'the shell to see the new size');
    const s = await session.snapshot();
    expect([s.cols, s.rows]).toEqual([100, 30]);
    expect(session.info().size).toMatchObject({ cols: 100, rows: 30 });
  });

  it('goes idle when quiet, runs again on input', async () => {
    const session = await startShellSession({ idleAfterMs: 300 });
    sessions.push(session);
    expect(await session.when('state')).toBe('idle');
    const running = session.when('state');
    session.input({ session: session.id, counter: 1, device: WRITER, data: data('true\r') });
    expect(await running).toBe('running');
  });

  it('keeps its last screen and snapshot after the shell exits', async () => {
    const session = await startShellSession();
    const exited = session.when('exit');
    session.input({ session: session.id, counter: 1, device: WRITER, data: data('echo last-""words; sleep 0.1; exit 3\r') });
    expect(await exited).toMatchObject({ reason: 'exited', exitCode: 3 });
    expect(session.info().state).toBe('ended');
    expect(await session.screenText()).toContain('last-words');
    const join = await session.join();
    expect(join.snapshot?.coversSeq).toBe(session.stream.next.seq);
    expect(join.subscription.closed?.code).toBe('E_SESSION_ENDED');
    expect(session.input({ session: session.id, counter: 2, device: WRITER, data: data('x') })).toMatchObject({ ok: false, reason: 'ended' });
  });
});
