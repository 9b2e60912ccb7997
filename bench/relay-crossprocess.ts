/**
 * Cross-process delivery: two relay processes on one Redis (store and
 * fan-out). One writer on relay A sends sealed appends at a fixed rate; a
 * reader on relay A (the single-process path) and a reader on relay B (the
 * entry crosses through a Redis pub/sub notice and a read of the stream) follow
 * the document. Latency = the writer's send -> the Entry frame at the reader,
 * both readers in the same run, so the difference is what crossing costs.
 *
 *   node --import tsx bench/relay-crossprocess.ts [--rate 200] [--seconds 5] [--warmup 1]
 *
 * Redis runs durable (AOF, fsync always) on a free port in a temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { loadCrypto, type DeviceIdentity } from '@tendril/crdt-schema/crypto';
import { deriveDocKeys, Scope } from '@tendril/crdt-schema/keyring';
import { newDocId, type DocId } from '@tendril/crdt-schema/ids';
import { CapMode, decodeFrame, encodeFrame, FrameType, helloProofBytes, PROTOCOL_VERSION, subscribeProofBytes, type Frame } from '@tendril/crdt-schema/wire';
import { startRedis } from '@tendril/sync-server/testing/redis-server';
import { parseFlags, sleep, waitFor } from './lib/args.ts';
import { libPath, startChild, type Child } from './lib/child.ts';
import type { ServerReady, ServerSpec } from './lib/server-child.ts';
import { fmt, summarize } from './lib/stats.ts';
import { machineNote, printTable } from './lib/table.ts';
import { createBenchWorkspace, newMember, syncUrlOf, type BenchWorkspace } from './lib/tendril.ts';
import { openRawWriter, sealMany } from './lib/raw-writer.ts';

const flags = parseFlags();
const RATE = flags.number('rate', 200);
const SECONDS = flags.number('seconds', 5);
const WARMUP = flags.number('warmup', 1);
flags.done();

/** A reader that records when each Entry seq arrived. */
function openReader(url: string, ws: BenchWorkspace, identity: DeviceIdentity, doc: DocId): Promise<Map<number, number>> {
  const arrived = new Map<number, number>();
  const view = deriveDocKeys(ws.crypto, ws.keys.get(Scope.Chats)!, doc);
  const socket = new WebSocket(syncUrlOf(url), { perMessageDeflate: false });
  const send = (f: Frame): void => socket.send(encodeFrame(f));
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.on('message', (data: Buffer) => {
      const at = performance.now();
      const frame = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (frame.type === FrameType.Entry) arrived.set(frame.seq, at);
      else if (frame.type === FrameType.Challenge) {
        send({
          type: FrameType.Hello,
          version: PROTOCOL_VERSION,
          workspace: ws.workspace,
          device: identity.deviceId,
          proof: ws.crypto.sign(helloProofBytes(frame.nonce, ws.workspace, identity.signPublicKey), identity.signSecretKey.expose()),
          client: 'bench-reader',
          accessCode: '',
        });
        send({ type: FrameType.Subscribe, doc, cursor: 0, mode: CapMode.Read, proof: ws.crypto.sign(subscribeProofBytes(frame.nonce, doc, CapMode.Read), view.readCap.secretKey) });
      } else if (frame.type === FrameType.CaughtUp) resolve(arrived);
      else if (frame.type === FrameType.Error) reject(new Error(`relay refused a reader: ${frame.code} ${frame.message}`));
    });
  });
}

const crypto = await loadCrypto();
console.log(`relay cross-process delivery: ${RATE} appends/s for ${SECONDS} s (+${WARMUP} s warm-up), two relay processes on one Redis`);
console.log(machineNote());
const redis = await startRedis();
const dataDir = mkdtempSync(join(tmpdir(), 'bench-crossprocess-'));
const relays: Child<ServerReady>[] = [];
try {
  for (let i = 0; i < 2; i++) {
    const spec: ServerSpec = { kind: 'tendril', dataDir, redis: { url: redis.url, prefix: 'bench' } };
    relays.push(await startChild<ServerReady>(libPath('server-child.ts'), [JSON.stringify(spec)]));
  }
  const [a, b] = [relays[0]!.ready.url, relays[1]!.ready.url];
  const ws = createBenchWorkspace(crypto);
  const doc = newDocId();
  const [sameId, crossId] = [newMember(ws), newMember(ws)];
  const total = Math.ceil(RATE * (SECONDS + WARMUP));
  const envelopes = sealMany(ws, ws.admin, doc, total, 64);
  const writer = await openRawWriter({ url: a, ws, identity: ws.admin, doc, register: true, enrol: [sameId, crossId] });
  const same = await openReader(a, ws, sameId, doc);
  const cross = await openReader(b, ws, crossId, doc);
  const sentAt = new Map<number, number>();
  const seqOf = new Map<number, number>();
  writer.onAck = (ref, seq) => seqOf.set(ref, seq);
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    sentAt.set(i + 1, performance.now());
    writer.send(i + 1, envelopes[i]!);
  }
  const done = await waitFor(() => seqOf.size === total && same.size === total && cross.size === total, 30_000);
  if (!done) throw new Error(`not everything arrived: acks ${seqOf.size}, same ${same.size}, cross ${cross.size} of ${total}`);
  const skip = Math.floor(RATE * WARMUP);
  const latencies = (arrived: Map<number, number>): number[] =>
    [...seqOf].filter(([ref]) => ref > skip).map(([ref, seq]) => arrived.get(seq)! - sentAt.get(ref)!);
  const s = summarize(latencies(same));
  const c = summarize(latencies(cross));
  printTable(
    'Delivery latency, writer send -> Entry at the reader (ms)',
    ['reader', 'p50', 'p99', 'max'],
    [
      ['same relay process', fmt(s.p50, 2), fmt(s.p99, 2), fmt(s.max, 2)],
      ['other relay process (Redis fan-out)', fmt(c.p50, 2), fmt(c.p99, 2), fmt(c.max, 2)],
      ['crossing costs', `+${fmt(c.p50 - s.p50, 2)}`, `+${fmt(c.p99 - s.p99, 2)}`, ''],
    ],
  );
  writer.close();
} finally {
  await Promise.all(relays.map((r) => r.stop()));
  await redis.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
}
