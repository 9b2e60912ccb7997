/**
 * Prepared frames on a real `ws` pair: a reader gets well-formed messages of
 * every header size, interleaved in order with ordinary `ws.send` frames;
 * each prepared frame on an idle sender is one socket write; a frame sent
 * while the sender is busy (reading a Blob) falls back to `ws.send` and
 * keeps its place; a run of frames (a catch-up stretch) is one write on an
 * idle sender and arrives as its separate messages, or goes frame by frame
 * through `ws.send` behind a busy one; and the bytes count in `bufferedAmount`.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { prepareFrame, prepareRun, sendPrepared } from './prepared-frame.ts';
import { waitFor } from '../testing/wait.ts';

interface Pair {
  readonly server: WebSocket;
  readonly received: Buffer[];
  close(): Promise<void>;
}

const open: Pair[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

async function pair(): Promise<Pair> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const received: Buffer[] = [];
  client.on('message', (data: Buffer, isBinary) => received.push(isBinary ? data : Buffer.from(`text:${data.toString()}`)));
  await new Promise<void>((resolve, reject) => client.once('open', resolve).once('error', reject));
  const server = await accepted;
  const p: Pair = {
    server,
    received,
    close: async () => {
      client.terminate();
      server.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
  open.push(p);
  return p;
}

/** Distinct payload bytes of length `n`, tagged with `tag`. */
const payload = (tag: number, n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (tag * 31 + i) & 0xff);

/** Counts the writes made on `ws`'s socket. */
function countWrites(ws: WebSocket): { readonly count: number } {
  const socket = (ws as unknown as { _socket: { write: (...args: unknown[]) => boolean } })._socket;
  const write = socket.write.bind(socket);
  const counter = { count: 0 };
  socket.write = (...args: unknown[]) => {
    counter.count++;
    return write(...args);
  };
  return counter;
}

describe('prepared frames', () => {
  it('frames payloads of every header size exactly as ws does', async () => {
    const { server, received } = await pair();
    const sizes = [0, 1, 125, 126, 200, 65535, 65536, 300_000];
    sizes.forEach((n, i) => sendPrepared(server, prepareFrame(payload(i, n))));
    await waitFor(() => received.length === sizes.length, 'every message');
    received.forEach((got, i) => expect(Buffer.compare(got, Buffer.from(payload(i, sizes[i]!)))).toBe(0));
  });

  it('frames a payload given in parts as the joined payload, its bytes a view of the wire', async () => {
    const { server, received } = await pair();
    const sizes = [0, 1, 125, 126, 65535, 65536, 300_000];
    sizes.forEach((n, i) => {
      const whole = payload(i, n);
      const prepared = prepareFrame([whole.subarray(0, n >> 2), new Uint8Array(0), whole.subarray(n >> 2)]);
      expect(Buffer.compare(prepared.wire, prepareFrame(whole).wire)).toBe(0);
      expect(Buffer.compare(prepared.bytes, whole)).toBe(0);
      expect(prepared.bytes.buffer).toBe(prepared.wire.buffer);
      sendPrepared(server, prepared);
    });
    await waitFor(() => received.length === sizes.length, 'every message');
    received.forEach((got, i) => expect(Buffer.compare(got, Buffer.from(payload(i, sizes[i]!)))).toBe(0));
  });

  it('interleaves with ordinary sends in order, one socket write per prepared frame on an idle sender', async () => {
    const { server, received } = await pair();
    const writes = countWrites(server);
    const expected: Buffer[] = [];
    let direct = 0;
    for (let i = 0; i < 60; i++) {
      const bytes = payload(i, 20 + ((i * 97) % 400));
      expected.push(Buffer.from(bytes));
      if (i % 3 === 0) {
        server.send(bytes, { binary: true });
      } else {
        const before = writes.count;
        if (sendPrepared(server, prepareFrame(bytes))) direct++;
        expect(writes.count - before).toBe(1);
      }
    }
    expect(direct).toBe(40);
    await waitFor(() => received.length === expected.length, 'every message');
    expect(received).toEqual(expected);
  });

  it('goes through ws.send while the sender is busy, keeping the order', async () => {
    const { server, received } = await pair();
    const blob = new Blob([Buffer.from(payload(1, 5000))]);
    const after = payload(2, 100);
    server.send(blob);
    // The sender reads the Blob asynchronously and queues what follows behind it.
    expect(sendPrepared(server, prepareFrame(after))).toBe(false);
    server.send(payload(3, 10), { binary: true });
    expect(sendPrepared(server, prepareFrame(payload(4, 10)))).toBe(false);
    await waitFor(() => received.length === 4, 'every message');
    expect(received).toEqual([Buffer.from(payload(1, 5000)), Buffer.from(after), Buffer.from(payload(3, 10)), Buffer.from(payload(4, 10))]);
    // Idle again: the direct write is taken.
    expect(sendPrepared(server, prepareFrame(payload(5, 10)))).toBe(true);
    await waitFor(() => received.length === 5, 'the last message');
  });

  it('counts the bytes in bufferedAmount and calls back once they are written', async () => {
    const { server } = await pair();
    const frame = prepareFrame(payload(1, 4 * 1024 * 1024));
    let flushed = 0;
    expect(sendPrepared(server, frame, () => flushed++)).toBe(true);
    // 4 MiB do not fit the socket at once: what is left is queued and counted.
    expect(server.bufferedAmount).toBeGreaterThan(0);
    await waitFor(() => flushed === 1, 'the write callback');
    await waitFor(() => server.bufferedAmount === 0, 'the queue to drain');
  });

  it('writes a run of frames at once and the reader gets each message; behind a busy sender, frame by frame in order', async () => {
    const { server, received } = await pair();
    const writes = countWrites(server);
    const run = [0, 1, 125, 126, 70_000, 3].map((n, i) => payload(i, n));
    let flushed = 0;
    expect(sendPrepared(server, prepareRun(run), () => flushed++)).toBe(true);
    expect(writes.count).toBe(1);
    await waitFor(() => received.length === run.length && flushed === 1, 'the run');
    expect(received).toEqual(run.map((b) => Buffer.from(b)));

    const blob = payload(9, 3000);
    server.send(new Blob([Buffer.from(blob)]));
    const second = [payload(10, 5), payload(11, 300)];
    expect(sendPrepared(server, prepareRun(second), () => flushed++)).toBe(false);
    await waitFor(() => received.length === run.length + 3 && flushed === 2, 'the second run');
    expect(received.slice(run.length)).toEqual([Buffer.from(blob), ...second.map((b) => Buffer.from(b))]);
  });
});
