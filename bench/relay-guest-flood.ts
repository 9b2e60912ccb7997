/**
 * A guest flood against the real relay (SQLite, default limits) in its own
 * process on loopback: visitors of one guest link, each from its own address,
 * send `--messages` messages paced over `--flood-seconds` (default 1,000 in a
 * minute) while the owner's own device measures append->ack latency on one of
 * its documents. The baseline is the same measurement just before, in the same
 * run. Prints how many flood messages the relay stored and how many it refused
 * (E_GUEST_LIMIT, the 429-style error, with the wait), and the owner's p50/p99
 * during the flood against the baseline (goal: within 2x).
 *
 *   node --import tsx bench/relay-guest-flood.ts [--visitors 1] [--messages 1000] [--flood-seconds 60]
 *     [--baseline-appends 300] [--wait-quiet 30]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newWorkspaceId, type DocId } from '@tendril/crdt-schema/ids';
import { FrameType, type ErrorFrame, type Frame } from '@tendril/crdt-schema/wire';
import { DEFAULT_LIMITS } from '@tendril/sync-server';
import { makeEnvelope } from '../sync-server/src/testing/envelopes.ts';
import { followConversation, guestHello, registerLink, type TestLink } from '../sync-server/src/testing/guests.ts';
import { testKey, type TestKey } from '../sync-server/src/testing/keys.ts';
import { TestClient } from '../sync-server/src/testing/test-client.ts';
import { parseFlags, sleep } from './lib/args.ts';
import { libPath, startChild } from './lib/child.ts';
import { createDoc, member, type Member } from './lib/relay-peers.ts';
import type { ServerReady, ServerSpec } from './lib/server-child.ts';
import { fmt, ratio, summarize, withinFactor, type LatencySummary } from './lib/stats.ts';
import { contentionWarning, machineNote, printTable, waitForQuiet } from './lib/table.ts';

const flags = parseFlags();
const VISITORS = flags.number('visitors', 1);
const MESSAGES = flags.number('messages', 1000);
const FLOOD_S = flags.number('flood-seconds', 60);
const BASELINE_APPENDS = flags.number('baseline-appends', 300);
const WAIT_QUIET = flags.number('wait-quiet', 30);
flags.done();

const KiB = 1024;

/** The owner's device: sequential append->ack of 1 KiB on its document, paced like an editing user, until `until()` says stop (or `count` appends). */
async function measureOwner(owner: Member, doc: DocId, counter: { next: number }, stop: { count?: number; until?: () => boolean }): Promise<LatencySummary> {
  const samples: number[] = [];
  for (let i = 0; stop.count !== undefined ? i < stop.count : !stop.until!(); i++) {
    const ref = counter.next++;
    const t0 = performance.now();
    owner.client.send({ type: FrameType.Envelope, doc, ref, envelope: makeEnvelope({ doc, author: owner.device, counter: ref, size: KiB }) });
    const answer = await owner.client.next((f) => (f.type === FrameType.Ack || f.type === FrameType.Error) && 'ref' in f && f.ref === ref, 30_000);
    if (answer.type === FrameType.Error) throw new Error(`the owner's append was refused: ${answer.code}`);
    samples.push(performance.now() - t0);
    owner.client.inbox.length = 0;
    owner.client.received.length = 0;
    await sleep(20);
  }
  return summarize(samples);
}

interface FloodResult {
  sent: number;
  stored: number;
  refusedGuestLimit: number;
  refusedOther: number;
  withWait: number;
}

/** One visitor: admitted with the code, then `MESSAGES` envelopes on its conversation, evenly over `FLOOD_S`. */
async function flood(url: string, t: TestLink, address: string): Promise<FloodResult> {
  const visitor: TestKey = testKey();
  const client = await TestClient.connect(url, { localAddress: address });
  const hello = await guestHello(client, t, visitor, t.code);
  if (hello.type !== FrameType.Welcome) throw new Error(`visitor refused: ${hello.code}`);
  const { doc } = await followConversation(client, t, visitor);
  const r: FloodResult = { sent: 0, stored: 0, refusedGuestLimit: 0, refusedOther: 0, withWait: 0 };
  const count = (f: Frame): void => {
    if (f.type === FrameType.Ack && f.doc === doc) r.stored++;
    else if (f.type === FrameType.Error) {
      if (f.code === 'E_GUEST_LIMIT') r.refusedGuestLimit++;
      else r.refusedOther++;
      if ((f as ErrorFrame).retryAfterMs > 0) r.withWait++;
    }
  };
  const start = performance.now();
  const gap = (FLOOD_S * 1000) / MESSAGES;
  for (let i = 1; i <= MESSAGES; i++) {
    const due = start + (i - 1) * gap;
    const ahead = due - performance.now();
    if (ahead > 0) await sleep(ahead);
    client.send({ type: FrameType.Envelope, doc, ref: i, envelope: makeEnvelope({ doc, author: visitor, counter: i, size: 200 }) });
    r.sent++;
    for (const f of client.inbox.splice(0)) count(f);
  }
  // Every message is answered (an Ack or an Error with its ref): wait for the last.
  const deadline = performance.now() + 30_000;
  while (r.stored + r.refusedGuestLimit + r.refusedOther < r.sent && performance.now() < deadline) {
    for (const f of client.inbox.splice(0)) count(f);
    await sleep(50);
  }
  client.received.length = 0;
  await client.close();
  return r;
}

const dataDir = mkdtempSync(join(tmpdir(), 'tendril-bench-guest-flood-'));
const spec: ServerSpec = { kind: 'tendril', dataDir, limits: DEFAULT_LIMITS };
const server = await startChild<ServerReady>(libPath('server-child.ts'), [JSON.stringify(spec)]);
try {
  await waitForQuiet(WAIT_QUIET * 1000);
  console.log(machineNote());
  const url = server.ready.url;
  const device = testKey();
  const owner = await member(url, newWorkspaceId(), device, [device]);
  const t = await registerLink(owner.client, { visitorPerMinute: 10, linkPerMinute: 100 });
  owner.client.inbox.length = 0;
  const { doc } = await createDoc(owner);
  const counter = { next: 1 };
  const baseline = await measureOwner(owner, doc, counter, { count: BASELINE_APPENDS });

  let flooding = true;
  const floods = Promise.all(Array.from({ length: VISITORS }, (_, i) => flood(url, t, `127.0.0.${i + 2}`))).finally(() => (flooding = false));
  const during = await measureOwner(owner, doc, counter, { until: () => !flooding });
  const results = await floods;

  const total = results.reduce((a, r) => ({ sent: a.sent + r.sent, stored: a.stored + r.stored, refusedGuestLimit: a.refusedGuestLimit + r.refusedGuestLimit, refusedOther: a.refusedOther + r.refusedOther, withWait: a.withWait + r.withWait }));
  printTable(
    `Guest flood: ${VISITORS} visitor(s) of one link, ${MESSAGES} messages each over ${FLOOD_S} s (link limits: 10 per visitor and 100 per link a minute; ${DEFAULT_LIMITS.guestMessagesPerMinutePerIp} per address)`,
    ['sent', 'stored', 'refused E_GUEST_LIMIT', 'refused otherwise', 'refusals with a wait'],
    [[String(total.sent), String(total.stored), String(total.refusedGuestLimit), String(total.refusedOther), String(total.withWait)]],
  );
  const row = (name: string, s: LatencySummary): string[] => [name, String(s.n), fmt(s.p50, 2), fmt(s.p99, 2), ratio(s.p50, baseline.p50), ratio(s.p99, baseline.p99)];
  printTable('Owner append->ack of 1 KiB on its own document (goal: within 2x of the baseline)', ['phase', 'appends', 'p50 ms', 'p99 ms', 'p50 vs baseline', 'p99 vs baseline'], [
    row('baseline', baseline),
    row('during the flood', during),
  ]);
  console.log(`\nwithin 2x: p50 ${withinFactor(during.p50, baseline.p50, 2) ? 'yes' : 'NO'}, p99 ${withinFactor(during.p99, baseline.p99, 2) ? 'yes' : 'NO'}`);
  await owner.client.close();
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
const warning = contentionWarning();
if (warning) console.log(`\n${warning}`);
