/** Health figures and the degraded rules, with scripted probes. */
import type { SessionId } from '@tendril/crdt-schema/ids';
import { describe, expect, it } from 'vitest';
import { createHealthReporter, type SystemProbes } from './health.ts';
import type { SessionInfo } from './session-state.ts';
import { ManualTimers } from './test-support.ts';

function probes(over: Partial<SystemProbes> = {}): SystemProbes & { cpu: number } {
  const p: SystemProbes & { cpu: number } = {
    cpu: 0,
    cpuMicros: (): number => p.cpu,
    rssBytes: () => 50e6,
    loadAverage1m: () => 0.5,
    cores: () => 4,
    memory: () => ({ freeBytes: 8e9, totalBytes: 16e9 }),
    diskFree: async (path: string) => (path === '/full' ? 1e6 : 100e9),
    ...over,
  };
  return p;
}
const session = (id: string, cwd: string, lastActivityAt: number): SessionInfo => ({
  id: id as SessionId, title: id, cwd, shell: 'sh', state: 'running', startedAt: 0, lastActivityAt, size: { cols: 80, rows: 24 }, pid: 1, mode: 'plain',
});

describe('gateway health', () => {
  it('reports CPU since the last report, sessions, uptime and last activity', async () => {
    const clock = new ManualTimers();
    const p = probes();
    const report = createHealthReporter(clock, p);
    clock.advance(2000);
    p.cpu = 500_000;
    const h = await report([session('a', '/w', 1500), session('b', '/w', 1800)], 5);
    expect(h).toMatchObject({ status: 'ok', cpuPercent: 25, sessions: { active: 2, max: 5 }, uptimeMs: 2000, lastActivityAt: 1800, cores: 4 });
    expect(h.perSession.map((s) => [s.id, s.uptimeMs, s.diskFreeBytes])).toEqual([['a', 2000, 100e9], ['b', 2000, 100e9]]);
  });

  it('is degraded when a working directory runs out of disk or memory runs low', async () => {
    const clock = new ManualTimers();
    const low = await createHealthReporter(clock, probes())([session('a', '/full', 0)], 5);
    expect(low.status).toBe('degraded');
    expect(low.detail).toContain('low disk');
    const mem = await createHealthReporter(clock, probes({ memory: () => ({ freeBytes: 1e8, totalBytes: 16e9 }) }))([], 5);
    expect([mem.status, mem.detail, mem.lastActivityAt]).toEqual(['degraded', 'low memory', null]);
  });
});
