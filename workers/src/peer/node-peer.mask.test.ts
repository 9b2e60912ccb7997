/**
 * Node peers send client frames with an all-zero masking key (node-peer.ts): on the wire the mask
 * bit is set, the key is zero and the payload is its own bytes, and the server reads the message
 * intact. A default `ws` client masks with a random key, as browsers do.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { NodeWebSocket } from './node-peer.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** Sends `payload` from a client made by `make`; the first raw frame the server's socket read, and the message `ws` decoded. */
async function sendThrough(make: (url: string) => { send(b: Uint8Array): void; close(): void; once(e: 'open', f: () => void): unknown }, payload: Uint8Array) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  closers.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  const got = new Promise<{ raw: Buffer; message: Buffer }>((resolve) => {
    wss.once('connection', (ws, req) => {
      const chunks: Buffer[] = [];
      req.socket.on('data', (c: Buffer) => chunks.push(c));
      // `ws` reads each chunk before this listener does: look at the raw bytes once the chunk went round.
      ws.once('message', (message: Buffer) => setImmediate(() => resolve({ raw: Buffer.concat(chunks), message })));
    });
  });
  const client = make(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  closers.unshift(async () => client.close());
  await new Promise<void>((resolve) => client.once('open', resolve));
  client.send(payload);
  return got;
}

const payload = Uint8Array.from({ length: 200 }, (_, i) => (i * 7 + 1) & 0xff);

describe('Node peer WebSocket frames', () => {
  it('carry a zero masking key and the payload in the clear, and arrive intact', async () => {
    const { raw, message } = await sendThrough((url) => new (NodeWebSocket as unknown as typeof WebSocket)(url), payload);
    expect(raw[0]).toBe(0x82); // FIN, binary
    expect(raw[1]).toBe(0x80 | 126); // masked, 16-bit length
    expect(raw.readUInt16BE(2)).toBe(200);
    expect([...raw.subarray(4, 8)]).toEqual([0, 0, 0, 0]);
    expect(Buffer.compare(raw.subarray(8, 208), payload)).toBe(0);
    expect(Buffer.compare(message, payload)).toBe(0);
  });

  it('differ from a default ws client, which masks with a random key', async () => {
    const { raw, message } = await sendThrough((url) => new WebSocket(url), payload);
    expect(raw[1]).toBe(0x80 | 126);
    expect([...raw.subarray(4, 8)]).not.toEqual([0, 0, 0, 0]);
    expect(Buffer.compare(message, payload)).toBe(0);
  });
});
