/**
 * What counting one relayed frame costs in the relay's metrics: the relay's
 * per-type resolved series against the former way (a label object and a label
 * key built for every frame), in the same run.
 *
 *   node --import tsx bench/relay-metrics-frame.ts [--frames 2000000] [--runs 3]
 */
import { createMetricsRegistry } from '../sync-server/src/server/prometheus.ts';
import { createRelayMetrics } from '../sync-server/src/server/relay-metrics.ts';
import { parseFlags } from './lib/args.ts';

const flags = parseFlags();
const FRAMES = flags.number('frames', 2_000_000);
const RUNS = flags.number('runs', 3);

const relay = createRelayMetrics();
const r = createMetricsRegistry();
const frames = r.counter('frames_total', 'Frames.');
const bytes = r.counter('bytes_total', 'Bytes.');
const perFrameLabels = (type: number, size: number): void => {
  const labels = { type: String(type) };
  frames.inc(labels);
  bytes.inc(labels, size);
};

const nsPer = (count: (type: number, size: number) => void): number => {
  const t = process.hrtime.bigint();
  for (let i = 0; i < FRAMES; i++) count(i & 7, 100);
  return Number(process.hrtime.bigint() - t) / FRAMES;
};

console.log(`counting ${FRAMES} frames of 8 types, ns per frame`);
console.log('| run | label object per frame | resolved series (relay) | ratio |');
console.log('|-----|------------------------|-------------------------|-------|');
for (let run = 1; run <= RUNS; run++) {
  const before = nsPer(perFrameLabels);
  const now = nsPer((type, size) => relay.frameOut(type, size));
  console.log(`| ${run} | ${before.toFixed(0)} | ${now.toFixed(0)} | ${(before / now).toFixed(1)}x |`);
}
