/**
 * Gateway terminal engine against raw node-pty, in the same run:
 *   - keystroke echo latency (write -> echo seen by a subscriber, vs raw onData)
 *   - output throughput through the stream (mirror running) vs raw node-pty
 *   - late-joiner restore for a screen with 1,000 lines of scrollback: time to
 *     produce it (snapshot + subscription), time for a viewer to apply it, gzip size
 * Usage: node --import tsx bench/gateway-terminal.ts [--rounds 400] [--runs 3]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { HeadlessScreen } from '../gateway/src/terminal/headless-screen.ts';
import { snapshotBytes } from '../gateway/src/terminal/snapshot.ts';
import { detectTmux, runCommand } from '../gateway/src/terminal/tmux.ts';
import { echoLatency, engineShell, percentile, rawShell, throughput } from './gateway-measure.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = arg('rounds', 400);
const ROUNDS = arg('runs', 3);
const ms = (n: number): string => `${n.toFixed(2)} ms`;
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 300));

async function latency(): Promise<void> {
  const raw = rawShell();
  const engine = await engineShell();
  const tmuxBin = await detectTmux(runCommand);
  const socketDir = await mkdtemp(join(tmpdir(), 'tendril-bench-'));
  const tmux = tmuxBin === null ? null : await engineShell({ tmux: { bin: 'tmux', socket: { path: join(socketDir, 'tmux.sock') } } });
  await settle();
  const shells = { raw, engine, ...(tmux === null ? {} : { tmux }) };
  const r = await echoLatency(shells, rounds);
  console.log(`\nkeystroke echo latency (${rounds} keystrokes each, write -> echo seen)`);
  for (const [name, values] of Object.entries(r)) {
    console.log(`  ${name.padEnd(7)} p50 ${ms(percentile(values, 50))}  p99 ${ms(percentile(values, 99))}  max ${ms(Math.max(...values))}`);
  }
  const d50 = percentile(r.engine!, 50) - percentile(r.raw!, 50);
  const d99 = percentile(r.engine!, 99) - percentile(r.raw!, 99);
  const signed = (n: number): string => `${n >= 0 ? '+' : ''}${ms(n)}`;
  console.log(`  engine - raw: p50 ${signed(d50)} (goal <= +1.5 ms), p99 ${signed(d99)} (goal <= +6 ms)`);
  raw.end();
  await engine.end();
  await tmux?.end();
  await rm(socketDir, { recursive: true, force: true });
}

async function outputThroughput(): Promise<void> {
  console.log(`\noutput throughput (command output until a marker is seen; median of ${ROUNDS} interleaved runs)`);
  const workloads = [
    ['seq 1 2000000', 'seq'],
    ['base64 -w 100 /dev/urandom | head -c 20000000', 'base64'],
    [`awk 'BEGIN { for (i = 0; i < 300000; i++) printf "\\033[3%dm%06d\\033[0m compiling module %d of the build \\033[1mok\\033[0m\\n", i % 8, i, i }'`, 'colour'],
  ] as const;
  const mbps = (x: { bytes: number; ms: number }): number => x.bytes / 1e6 / (x.ms / 1000);
  for (const [command, label] of workloads) {
    const runs: Record<'raw' | 'engine' | 'stream', number[]> = { raw: [], engine: [], stream: [] };
    let bytes = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const shells = { raw: rawShell(), engine: await engineShell(), stream: await engineShell({ mirror: false }) };
      await settle();
      for (const name of ['raw', 'engine', 'stream'] as const) {
        const r = await throughput(shells[name], command, `${name}-done-${label}-${round}`);
        runs[name].push(mbps(r));
        bytes = r.bytes;
      }
      shells.raw.end();
      await shells.engine.end();
      await shells.stream.end();
    }
    const [raw, engine, stream] = [percentile(runs.raw, 50), percentile(runs.engine, 50), percentile(runs.stream, 50)];
    console.log(`  ${label.padEnd(7)} ${(bytes / 1e6).toFixed(1)} MB  raw ${raw.toFixed(1)} MB/s  engine ${engine.toFixed(1)} MB/s  ratio ${(engine / raw).toFixed(2)}x (goal >= 0.5x)  stream without mirror ${stream.toFixed(1)} MB/s (${(stream / raw).toFixed(2)}x)`);
  }
}

/** Prints 1,200 lines: coloured log-like text, or incompressible base64. */
const SCREENS = {
  log: `node -e 'for (let i = 1; i <= 1200; i++) console.log("\\x1b[2m2025-01-0" + (i % 9 + 1) + "T12:" + String(i % 60).padStart(2, "0") + ":07Z\\x1b[0m \\x1b[3" + (i % 3 + 2) + "mINFO\\x1b[0m worker[" + (i % 7) + "] processed item " + i * 37 + " in " + (i % 97) + " ms")'`,
  base64: 'base64 -w 78 /dev/urandom | head -n 1200',
} as const;

async function restore(): Promise<void> {
  console.log('\nlate-joiner restore (80x24, 1,000 lines of scrollback, 20 joins each)');
  const boots: number[] = [];
  for (const [label, command] of Object.entries(SCREENS)) {
    const engine = await engineShell();
    boots.push(engine.mirrorBootMs);
    await throughput(engine, command, `restore-done-${label}`);
    await engine.session.screenText();
    const produce: number[] = [];
    const apply: number[] = [];
    let size = 0;
    let lines = 0;
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const join = await engine.session.join();
      produce.push(performance.now() - t0);
      join.subscription.close();
      size = join.snapshot!.gzip.length;
      lines = join.snapshot!.scrollbackLines;
      const t1 = performance.now();
      const screen = new HeadlessScreen({ cols: join.snapshot!.cols, rows: join.snapshot!.rows, scrollback: 1000 });
      await screen.write(snapshotBytes(join.snapshot!));
      apply.push(performance.now() - t1);
      screen.dispose();
    }
    console.log(`  ${label.padEnd(7)} produce p50 ${ms(percentile(produce, 50))} max ${ms(Math.max(...produce))} (goal <= 300 ms)  viewer apply p50 ${ms(percentile(apply, 50))}  gzip ${(size / 1000).toFixed(1)} KB (goal <= 25 KB)  scrollback sent ${lines} of 1000 lines`);
    await engine.session.end();
  }
  console.log(`  mirror worker boot (session start -> first answer, under tsx): ${boots.map((b) => ms(b)).join(', ')}`);
}

console.log(`gateway terminal engine vs raw node-pty; node ${process.version}`);
await latency();
await outputThroughput();
await restore();
