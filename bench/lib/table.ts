/**
 * Prints result tables as Markdown (aligned, so they read well in a terminal
 * and paste into BENCHMARKS.md unchanged), plus the run's context line.
 */
import { cpus, loadavg } from 'node:os';

export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

export function printTable(title: string, headers: readonly string[], rows: readonly (readonly string[])[]): void {
  console.log(`\n### ${title}\n`);
  console.log(markdownTable(headers, rows));
}

/** One line saying where and when the figures were taken, including competing load. */
export function machineNote(): string {
  const [one, five] = loadavg();
  return `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.versions.node}, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), load average ${one!.toFixed(1)} / ${five!.toFixed(1)} (1 / 5 min)`;
}

/** Load average over the last minute: above the core count, other processes competed for the CPU. */
export function contentionWarning(): string | undefined {
  const [one] = loadavg();
  const n = cpus().length;
  return one! > n ? `warning: 1-minute load average ${one!.toFixed(1)} exceeds ${n} cores; other processes competed for the CPU` : undefined;
}

/** Waits (at most `maxMs`) for the 1-minute load average to drop below the core count; says so when it gave up. */
export async function waitForQuiet(maxMs: number): Promise<void> {
  const n = cpus().length;
  const deadline = Date.now() + maxMs;
  while (loadavg()[0]! >= n && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2_000));
  if (loadavg()[0]! >= n) console.log(`note: load average still ${loadavg()[0]!.toFixed(1)} after waiting ${Math.round(maxMs / 1000)} s; starting anyway`);
}
