/**
 * The figures a gateway reports about its machine with its health in
 * ephemeral presence (never stored): CPU, memory, disk and uptime, for the
 * app to show beside the gateway. Any member device can send presence, so a
 * reader takes only finite, non-negative numbers and clamps each to a bound
 * no real machine reaches; anything else drops the figures, not the peer.
 */

export interface HealthFigures {
  /** The gateway process's CPU use since its previous report, in percent of one core. */
  readonly cpuPercent: number;
  /** The machine's one-minute load average per core, in percent. */
  readonly loadPercent: number;
  readonly memFreeBytes: number;
  readonly memTotalBytes: number;
  /** Free space where sessions start (for unprivileged users), when the gateway could read it. */
  readonly diskFreeBytes?: number;
  /** Seconds since the gateway started. */
  readonly uptimeS: number;
}

/** Upper bounds a reader clamps to (a percent of 100 cores; an exbibyte; a century). */
export const HEALTH_FIGURE_LIMITS = { percent: 10_000, bytes: 2 ** 60, seconds: 100 * 365 * 86_400 } as const;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function figure(v: unknown, max: number): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return null;
  return Math.min(Math.round(v * 10) / 10, max);
}

/** The figures in a presence message's health, or undefined when absent or malformed. */
export function parseHealthFigures(v: unknown): HealthFigures | undefined {
  if (!isRecord(v)) return undefined;
  const { percent, bytes, seconds } = HEALTH_FIGURE_LIMITS;
  const cpuPercent = figure(v.cpuPercent, percent);
  const loadPercent = figure(v.loadPercent, percent);
  const memFreeBytes = figure(v.memFreeBytes, bytes);
  const memTotalBytes = figure(v.memTotalBytes, bytes);
  const uptimeS = figure(v.uptimeS, seconds);
  const diskFreeBytes = v.diskFreeBytes === undefined ? undefined : figure(v.diskFreeBytes, bytes);
  if (cpuPercent === null || loadPercent === null || memFreeBytes === null || memTotalBytes === null || uptimeS === null || diskFreeBytes === null) return undefined;
  if (memFreeBytes > memTotalBytes) return undefined;
  return { cpuPercent, loadPercent, memFreeBytes, memTotalBytes, uptimeS, ...(diskFreeBytes !== undefined ? { diskFreeBytes } : {}) };
}

/** Whether two readings show the same (undefined equals undefined). */
export function sameFigures(a: HealthFigures | undefined, b: HealthFigures | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.cpuPercent === b.cpuPercent && a.loadPercent === b.loadPercent && a.memFreeBytes === b.memFreeBytes &&
    a.memTotalBytes === b.memTotalBytes && a.diskFreeBytes === b.diskFreeBytes && a.uptimeS === b.uptimeS;
}
