/**
 * Health figures for the gateway announcement: process CPU and memory, the
 * machine's load and free memory, free disk space of each session's working
 * directory, uptime and last activity. System probes are injected so the
 * status rules can be tested; `systemProbes` reads the real machine.
 */
import { statfs } from 'node:fs/promises';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import type { Clock } from './deps.ts';
import type { SessionInfo } from './session-state.ts';

export interface SystemProbes {
  /** Process CPU time used so far, in microseconds (user + system). */
  cpuMicros(): number;
  rssBytes(): number;
  loadAverage1m(): number;
  cores(): number;
  memory(): { freeBytes: number; totalBytes: number };
  /** Free bytes for unprivileged users on the filesystem holding `path`, or null. */
  diskFree(path: string): Promise<number | null>;
}

export const systemProbes: SystemProbes = {
  cpuMicros: () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  },
  rssBytes: () => process.memoryUsage.rss(),
  loadAverage1m: () => loadavg()[0] ?? 0,
  cores: () => cpus().length,
  memory: () => ({ freeBytes: freemem(), totalBytes: totalmem() }),
  diskFree: async (path) => {
    try {
      const s = await statfs(path);
      return s.bavail * s.bsize;
    } catch {
      return null;
    }
  },
};

export interface SessionHealth {
  readonly id: SessionInfo['id'];
  readonly state: SessionInfo['state'];
  readonly uptimeMs: number;
  readonly lastActivityAt: number;
  readonly diskFreeBytes: number | null;
}

export interface GatewayHealth {
  /** `degraded` when disk or memory runs low (see `detail`). */
  readonly status: 'ok' | 'degraded';
  readonly detail?: string;
  readonly sessions: { readonly active: number; readonly max: number };
  /** Process CPU use since the previous report, in percent of one core. */
  readonly cpuPercent: number;
  readonly loadAverage1m: number;
  readonly cores: number;
  readonly rssBytes: number;
  readonly memory: { readonly freeBytes: number; readonly totalBytes: number };
  readonly uptimeMs: number;
  /** The most recent activity of any session, or null without sessions. */
  readonly lastActivityAt: number | null;
  readonly perSession: readonly SessionHealth[];
}

export interface HealthThresholds {
  /** Below this much free disk in a working directory the gateway is degraded (default 256 MiB). */
  readonly minDiskFreeBytes?: number;
  /** Below this fraction of free memory the gateway is degraded (default 0.05). */
  readonly minFreeMemoryRatio?: number;
}

/** Reports health; each call measures CPU use since the previous call. */
export function createHealthReporter(clock: Clock, probes: SystemProbes = systemProbes, thresholds: HealthThresholds = {}) {
  const startedAt = clock.now();
  let last = { at: startedAt, cpu: probes.cpuMicros() };
  return async (sessions: readonly SessionInfo[], maxSessions: number): Promise<GatewayHealth> => {
    const now = clock.now();
    const cpu = probes.cpuMicros();
    const cpuPercent = now > last.at ? Math.round(((cpu - last.cpu) / 1000 / (now - last.at)) * 1000) / 10 : 0;
    last = { at: now, cpu };
    const perSession = await Promise.all(
      sessions.map(async (s) => ({ id: s.id, state: s.state, uptimeMs: now - s.startedAt, lastActivityAt: s.lastActivityAt, diskFreeBytes: await probes.diskFree(s.cwd) })),
    );
    const memory = probes.memory();
    const problems: string[] = [];
    const minDisk = thresholds.minDiskFreeBytes ?? 256 * 1024 * 1024;
    for (const s of perSession) if (s.diskFreeBytes !== null && s.diskFreeBytes < minDisk) problems.push(`low disk for session ${s.id}`);
    if (memory.freeBytes < memory.totalBytes * (thresholds.minFreeMemoryRatio ?? 0.05)) problems.push('low memory');
    const activity = sessions.map((s) => s.lastActivityAt);
    return {
      status: problems.length === 0 ? 'ok' : 'degraded',
      ...(problems.length === 0 ? {} : { detail: problems.join('; ') }),
      sessions: { active: sessions.filter((s) => s.state !== 'ended').length, max: maxSessions },
      cpuPercent,
      loadAverage1m: probes.loadAverage1m(),
      cores: probes.cores(),
      rssBytes: probes.rssBytes(),
      memory,
      uptimeMs: now - startedAt,
      lastActivityAt: activity.length === 0 ? null : Math.max(...activity),
      perSession,
    };
  };
}
