/**
 * Streaming a reply: what it stores and how fast its tokens reach another
 * device, for the two designs side by side in one run.
 *
 *   node --import tsx bench/chat-streaming.ts [--tokens 1000] [--rate 100] [--runs 3] [--wait-quiet 60]
 *
 * - `stored-40ms` (the design before live replies): the reply's text is
 *   appended to its Y.Text every 40 ms, each append a sealed, signed, stored
 *   (fsynced) and fanned-out envelope, and readers show the stored text.
 * - `live`: tokens travel as sealed ephemeral stream frames (LiveReplies, at
 *   most one frame per 30 ms per reply) and the text is stored about once a
 *   second and at the end; readers show the stored text plus the live tokens.
 *
 * Both run the real answer path (answerTurn) against a scripted provider that
 * emits `--tokens` tokens (4-6 characters each) at `--rate` tokens a second,
 * through the real relay (SQLite, its own process), one writer and one reader
 * device in this process. Measured: envelopes and bytes the relay stored for
 * the reply (its Envelope frames in), stream frames and bytes it forwarded,
 * and per token the delay from the provider emitting it to the reader's view
 * model holding it (the text a chat view renders, before its frame batching).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import { newChatId, type MessageId } from '@tendril/crdt-schema/ids';
import { chatDoc } from '@tendril/crdt-schema/schema';
import { LiveReplies, liveReplySigner } from '@tendril/crdt-schema/workspace';
import { answerTurn } from '../workers/src/agent/answer-turn.ts';
import type { LlmEvent, LlmProvider } from '../workers/src/llm/index.ts';
import { parseFlags, waitFor } from './lib/args.ts';
import { libPath, startChild } from './lib/child.ts';
import type { ServerReady, ServerSpec } from './lib/server-child.ts';
import { fmt, fmtBytes, ratio, summarize, type LatencySummary } from './lib/stats.ts';
import { contentionWarning, machineNote, printTable, waitForQuiet } from './lib/table.ts';
import { createBenchWorkspace, enrolMember, newDocId, newMember, openDeviceDoc } from './lib/tendril.ts';

const flags = parseFlags();
const TOKENS = flags.number('tokens', 1000);
const RATE = flags.number('rate', 100);
const RUNS = flags.number('runs', 3);
const WAIT_QUIET = flags.number('wait-quiet', 60);
flags.done();

type Design = 'stored-40ms' | 'live';
const DESIGNS: readonly Design[] = ['stored-40ms', 'live'];

interface Result {
  readonly design: Design;
  readonly envelopes: number;
  readonly storedBytes: number;
  readonly streamFrames: number;
  readonly streamBytes: number;
  readonly delay: LatencySummary;
}

const crypto = await loadCrypto();

/** Counters from the relay's /metrics text, by frame type. */
function frameCounters(text: string): { envelopes: number; envelopeBytes: number; streams: number; streamBytes: number } {
  const read = (name: string, type: string): number => Number(new RegExp(`^${name}\\{type="${type}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    envelopes: read('tendril_relay_frames_in_total', 'Envelope'),
    envelopeBytes: read('tendril_relay_bytes_in_total', 'Envelope'),
    streams: read('tendril_relay_frames_in_total', 'Stream'),
    streamBytes: read('tendril_relay_bytes_in_total', 'Stream'),
  };
}

/** A provider that emits the tokens at a fixed pace and records when each left it. */
function pacedProvider(tokens: readonly string[], emittedAt: number[]): LlmProvider {
  return {
    id: 'paced',
    async *stream(): AsyncIterable<LlmEvent> {
      const start = performance.now();
      for (let i = 0; i < tokens.length; i++) {
        const due = start + (i * 1000) / RATE;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        emittedAt[i] = performance.now();
        yield { type: 'text', text: tokens[i]! };
      }
      yield { type: 'usage', inputTokens: 20, outputTokens: tokens.length };
    },
  };
}

async function runOnce(design: Design): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-streaming-'));
  const spec: ServerSpec = { kind: 'tendril', dataDir };
  const server = await startChild<ServerReady>(libPath('server-child.ts'), [JSON.stringify(spec)]);
  const url = server.ready.url;
  const ws = createBenchWorkspace(crypto);
  const doc = newDocId();
  const writer = await openDeviceDoc({ ws, relayUrl: url, identity: ws.admin, doc, register: true });
  const readerIdentity = newMember(ws);
  let reader: Awaited<ReturnType<typeof openDeviceDoc>> | undefined;
  try {
    const chat = chatDoc(writer.ydoc);
    chat.init({ chatId: newChatId(), createdBy: ws.admin.deviceId });
    const turn = chat.addMessage({ author: ws.admin.deviceId, role: 'user', content: 'Tell me a long story.' });
    const reply = chat.addMessage({ author: ws.admin.deviceId, role: 'assistant', content: '', parent: turn, status: 'pending' });
    await writer.sync.whenSynced(30_000);
    // The reader joins once the writer's hello registered the workspace.
    await enrolMember(ws, writer, readerIdentity);
    reader = await openDeviceDoc({ ws, relayUrl: url, identity: readerIdentity, doc });
    const readerChat = chatDoc(reader.ydoc);
    if (!(await waitFor(() => readerChat.message(reply) !== undefined, 30_000))) throw new Error('the reader did not receive the reply');

    const tokens = Array.from({ length: TOKENS }, (_, i) => ` t${i.toString(36)}`);
    const ends: number[] = [];
    tokens.reduce((n, t, i) => (ends[i] = n + t.length), 0);
    const emittedAt: number[] = [];
    const delays: number[] = [];
    let seen = 0;
    const readerLive = new LiveReplies({ link: reader.sync, chat: readerChat, signer: liveReplySigner(crypto, readerIdentity) });
    const observe = (): void => {
      const m = readerChat.message(reply as MessageId);
      if (!m) return;
      const shown = readerLive.text(m).length;
      const now = performance.now();
      while (seen < TOKENS && ends[seen]! <= shown && emittedAt[seen] !== undefined) delays.push(now - emittedAt[seen++]!);
    };
    reader.ydoc.on('afterTransaction', observe);
    readerLive.onChange(observe);

    const writerLive = design === 'live' ? new LiveReplies({ link: writer.sync, chat, signer: liveReplySigner(crypto, ws.admin) }) : undefined;
    const before = frameCounters(await server.call<string>('metrics', {}));
    const result = await answerTurn({
      chat, reply, provider: pacedProvider(tokens, emittedAt), model: 'bench-model', messages: [{ role: 'user', content: 'Tell me a long story.' }],
      worker: ws.admin.deviceId, stillHolds: () => true, ...(writerLive ? { live: writerLive } : {}),
    });
    if (result.outcome !== 'done') throw new Error(`the answer ended ${result.outcome}: ${String(result.error)}`);
    await writer.sync.whenSynced(30_000);
    if (!(await waitFor(() => seen === TOKENS, 30_000))) throw new Error(`the reader saw ${seen} of ${TOKENS} tokens`);
    const after = frameCounters(await server.call<string>('metrics', {}));
    readerLive.destroy();
    writerLive?.destroy();
    return {
      design,
      envelopes: after.envelopes - before.envelopes,
      storedBytes: after.envelopeBytes - before.envelopeBytes,
      streamFrames: after.streams - before.streams,
      streamBytes: after.streamBytes - before.streamBytes,
      delay: summarize(delays),
    };
  } finally {
    await reader?.close();
    await writer.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await waitForQuiet(WAIT_QUIET * 1000);
console.log(machineNote());
const results = new Map<Design, Result[]>(DESIGNS.map((d) => [d, []]));
for (let run = 0; run < RUNS; run++) {
  // Alternate the order so neither design always runs on a warmer process.
  for (const design of run % 2 === 0 ? DESIGNS : [...DESIGNS].reverse()) results.get(design)!.push(await runOnce(design));
}
const warning = contentionWarning();
if (warning) console.log(warning);

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const per1000 = (n: number): number => (n * 1000) / TOKENS;
const rows = DESIGNS.map((d) => {
  const rs = results.get(d)!;
  return {
    d,
    envelopes: per1000(median(rs.map((r) => r.envelopes))),
    bytes: per1000(median(rs.map((r) => r.storedBytes))),
    streams: per1000(median(rs.map((r) => r.streamFrames))),
    streamBytes: per1000(median(rs.map((r) => r.streamBytes))),
    p50: median(rs.map((r) => r.delay.p50)),
    p99: median(rs.map((r) => r.delay.p99)),
    max: median(rs.map((r) => r.delay.max)),
  };
});
const base = rows[0]!;
printTable(
  `A ${TOKENS}-token reply at ${RATE} tokens/s, per 1,000 tokens (median of ${RUNS} runs each)`,
  ['design', 'stored envelopes', 'stored bytes', 'stream frames', 'stream bytes', 'token->screen p50 ms', 'p99 ms', 'max ms', 'envelopes vs stored-40ms', 'p50 vs stored-40ms'],
  rows.map((r) => [r.d, fmt(r.envelopes, 0), fmtBytes(r.bytes), fmt(r.streams, 0), fmtBytes(r.streamBytes), fmt(r.p50), fmt(r.p99), fmt(r.max), ratio(r.envelopes, base.envelopes), ratio(r.p50, base.p50)]),
);
