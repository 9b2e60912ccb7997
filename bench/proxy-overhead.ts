/**
 * The LLM proxy's own cost: the same streaming chat completions sent straight
 * to a provider and through the relay's proxy, in one run, side by side.
 *
 *   node --import tsx bench/proxy-overhead.ts [--requests 2000] [--chunks 20] [--concurrency 32] [--seconds 10] [--runs 3] [--wait-quiet 60] [--profile DIR]
 *
 * - The provider is a local OpenAI-style server in its own process
 *   (bench/lib/llm-upstream-child.ts) that answers every request at once with
 *   `--chunks` SSE chunks, a usage chunk and [DONE]: no model time.
 * - The relay is the real relay program (sync-server/src/main.ts) in its own
 *   process, SQLite in a temp directory, its proxy pointed at that provider,
 *   with its limits raised out of the way. A workspace is registered by a
 *   real device hello, and every proxied request carries that device's signed
 *   proof (signingFetch): Ed25519 signing on the client and the relay's
 *   verification, replay cache, limits, usage scan and usage log are all in
 *   the measured path.
 * - Sequential: `--requests` requests one at a time, direct and proxied
 *   alternately, each timed from the call to the last byte; the proxy's added
 *   latency is the difference of the two sides' percentiles.
 * - Throughput: `--concurrency` requests in flight for `--seconds`, each side
 *   in turn: requests a second, latency p50/p99, and the relay's CPU per
 *   request (from /proc).
 * Each phase is repeated `--runs` times; tables show every run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import { signingFetch } from '@tendril/crdt-schema/wire';
import { parseFlags, waitFor } from './lib/args.ts';
import { libPath, startChild } from './lib/child.ts';
import { fmt, ratio, summarize, type LatencySummary } from './lib/stats.ts';
import { contentionWarning, machineNote, printTable, waitForQuiet } from './lib/table.ts';
import { createBenchWorkspace, newDocId, openDeviceDoc } from './lib/tendril.ts';

const flags = parseFlags();
const REQUESTS = flags.number('requests', 2000);
const CHUNKS = flags.number('chunks', 20);
const CONCURRENCY = flags.number('concurrency', 32);
const SECONDS = flags.number('seconds', 10);
const RUNS = flags.number('runs', 3);
const WAIT_QUIET = flags.number('wait-quiet', 60);
/** Write a V8 CPU profile of the relay process into this directory. */
const PROFILE = flags.string('profile', '');
flags.done();

const BODY = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Say something short.' }] });
const KEY = 'sk-bench-not-a-real-key';

/** Limits raised so the proxy admits everything the benchmark sends. */
const RAISED = ['--proxy-rpm', '1000000000', '--proxy-burst', '1000000000', '--proxy-daily-tokens', '0', '--proxy-concurrent', '100000',
  '--proxy-workspace-rpm', '1000000000', '--proxy-workspace-burst', '1000000000', '--proxy-workspace-daily-tokens', '0', '--proxy-workspace-concurrent', '100000',
  '--proxy-max-nonces', '10000000', '--proxy-max-nonces-per-device', '10000000'];

interface RelayProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

async function startRelayProgram(dataDir: string, upstream: string): Promise<RelayProcess> {
  const main = fileURLToPath(new URL('../sync-server/src/main.ts', import.meta.url));
  // The program logs one JSON line per proxied request (its usage event) to stderr: kept, not printed.
  const proc = spawn(process.execPath, [...(PROFILE ? ['--cpu-prof', '--cpu-prof-dir', PROFILE] : []), '--import', 'tsx', main, '--port', '0', '--host', '127.0.0.1', '--data', dataDir, ...RAISED], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TENDRIL_PROXY_OPENAI_URL: `${upstream}/v1`, TENDRIL_PROXY_ORIGINS: '' },
  });
  proc.stderr!.resume();
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the relay did not start within 60 s')), 60_000);
    proc.once('exit', (code) => reject(new Error(`the relay exited (${code})`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const m = /^relay listening on (\S+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return {
    url,
    pid: proc.pid!,
    stop: () => new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    }),
  };
}

/** User + system CPU of a process, in milliseconds (from /proc, 10 ms resolution). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

type Call = () => Promise<void>;

/** One streamed request to the end of its body; throws on a non-200 answer. */
function caller(url: string, fetchFn: typeof fetch, headers: Record<string, string>): Call {
  return async () => {
    const res = await fetchFn(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: BODY });
    const text = await res.text();
    if (res.status !== 200 || !text.includes('[DONE]')) throw new Error(`${url}: ${res.status} ${text.slice(0, 200)}`);
  };
}

async function timed(call: Call): Promise<number> {
  const t0 = performance.now();
  await call();
  return performance.now() - t0;
}

interface Throughput {
  readonly perSecond: number;
  readonly latency: LatencySummary;
  readonly relayCpuUsPerRequest: number;
}

async function throughput(call: Call, relayPid: number): Promise<Throughput> {
  const samples: number[] = [];
  const cpu0 = cpuMs(relayPid);
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) samples.push(await timed(call));
  }));
  const elapsed = (performance.now() - t0) / 1000;
  return { perSecond: samples.length / elapsed, latency: summarize(samples), relayCpuUsPerRequest: ((cpuMs(relayPid) - cpu0) * 1000) / samples.length };
}

const crypto = await loadCrypto();
const dataDir = mkdtempSync(join(tmpdir(), 'tendril-bench-proxy-'));
const upstream = await startChild<{ url: string; pid: number }>(libPath('llm-upstream-child.ts'), [String(CHUNKS)]);
const relay = await startRelayProgram(dataDir, upstream.ready.url);
try {
  // A device hello registers the workspace: the proxy serves its devices.
  const ws = createBenchWorkspace(crypto);
  const device = await openDeviceDoc({ ws, relayUrl: relay.url, identity: ws.admin, doc: newDocId(), register: true });
  if (!(await waitFor(() => device.relay.observed !== null, 30_000))) throw new Error('the relay did not welcome the device');
  const signed = signingFetch({
    workspace: ws.workspace,
    device: ws.admin.deviceId,
    sign: (m) => crypto.sign(m, ws.admin.signSecretKey.expose()),
    now: () => Date.now(),
    randomBytes: (n) => crypto.randomBytes(n),
  });
  const direct = caller(`${upstream.ready.url}/v1/chat/completions`, fetch, { authorization: `Bearer ${KEY}` });
  const proxied = caller(`${relay.url}/v1/proxy/chat/completions`, signed, { authorization: `Bearer ${KEY}` });
  for (let i = 0; i < 200; i++) {
    await direct();
    await proxied();
  }
  await waitForQuiet(WAIT_QUIET * 1000);
  console.log(machineNote());
  console.log(`${CHUNKS} SSE chunks per answer; sequential: ${REQUESTS} requests per side per run; throughput: ${CONCURRENCY} in flight for ${SECONDS} s per side per run`);

  const seqRows: string[][] = [];
  const tputRows: string[][] = [];
  for (let run = 1; run <= RUNS; run++) {
    const d: number[] = [];
    const p: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      d.push(await timed(direct));
      p.push(await timed(proxied));
    }
    const ds = summarize(d);
    const ps = summarize(p);
    seqRows.push([String(run), fmt(ds.p50, 2), fmt(ps.p50, 2), fmt(ps.p50 - ds.p50, 2), fmt(ds.p99, 2), fmt(ps.p99, 2), fmt(ps.p99 - ds.p99, 2), ratio(ps.p50, ds.p50)]);

    const td = await throughput(direct, relay.pid);
    const tp = await throughput(proxied, relay.pid);
    tputRows.push([String(run), fmt(td.perSecond, 0), fmt(tp.perSecond, 0), ratio(tp.perSecond, td.perSecond), fmt(td.latency.p50, 1), fmt(tp.latency.p50, 1), fmt(td.latency.p99, 1), fmt(tp.latency.p99, 1), fmt(tp.relayCpuUsPerRequest, 0)]);
  }
  printTable('Sequential: call to last byte, ms (added = proxied - direct)', ['run', 'direct p50', 'proxied p50', 'added p50', 'direct p99', 'proxied p99', 'added p99', 'p50 ratio'], seqRows);
  printTable(`Throughput, ${CONCURRENCY} in flight`, ['run', 'direct req/s', 'proxied req/s', 'ratio', 'direct p50 ms', 'proxied p50 ms', 'direct p99 ms', 'proxied p99 ms', 'relay CPU µs/req'], tputRows);
  const served = await upstream.call<number>('served');
  console.log(`\nthe provider answered ${served} requests`);
  const warning = contentionWarning();
  if (warning) console.log(warning);
  await device.close();
} finally {
  await relay.stop();
  await upstream.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
