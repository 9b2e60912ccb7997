/** At most five sessions by default, with a clear error; ending one frees its slot. */
import { afterEach, describe, expect, it } from 'vitest';
import { createPtyHost } from './pty-host.ts';
import { SessionManager } from './session-manager.ts';
import { shellEnv, spawnPty, tempDir, waitFor, WRITER } from './test-support.ts';

const managers: SessionManager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.shutdown({ keepShells: false })));
});

function manager(): SessionManager {
  const m = new SessionManager({
    host: createPtyHost({ spawn: spawnPty, tmux: null }),
    env: shellEnv(),
    shell: '/bin/sh',
    gate: () => ({ verify: () => WRITER, writers: () => [WRITER] }),
  });
  managers.push(m);
  return m;
}

describe('the session manager', () => {
  it('caps sessions at five, counting starts in flight, with E_SESSION_LIMIT', async () => {
    const m = manager();
    const cwd = await tempDir();
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => m.start({ title: `s${i}`, cwd })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'E_SESSION_LIMIT' });
    expect(String(refused.reason.message)).toMatch(/at most 5 sessions/);
    expect(m.list()).toHaveLength(5);
  });

  it('frees a slot when a session ends, and forgets ended sessions', async () => {
    const m = manager();
    const cwd = await tempDir();
    const started = await Promise.all(Array.from({ length: 5 }, (_, i) => m.start({ title: `s${i}`, cwd })));
    const ended = m.when('ended');
    const exit = await m.end(started[0]!.session.id);
    expect(exit.reason).toBe('ended');
    expect((await ended).id).toBe(started[0]!.session.id);
    expect(() => m.get(started[0]!.session.id)).toThrow(expect.objectContaining({ code: 'E_UNKNOWN_SESSION' }));
    await m.start({ title: 'again', cwd });
    expect(m.list()).toHaveLength(5);
  });

  it('reports health for the announcement', async () => {
    const m = manager();
    const cwd = await tempDir();
    const { session } = await m.start({ title: 'h', cwd });
    await waitFor(() => session.stream.next.offset > 0, 'the prompt');
    const h = await m.health();
    expect(h.sessions).toEqual({ active: 1, max: 5 });
    expect(h.perSession[0]).toMatchObject({ id: session.id, state: 'running' });
    expect(h.perSession[0]!.diskFreeBytes).toBeGreaterThan(0);
    expect(h.rssBytes).toBeGreaterThan(0);
    expect(h.lastActivityAt).toBeGreaterThan(0);
  });
});
