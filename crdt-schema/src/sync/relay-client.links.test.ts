/**
 * The link a RelayClient gives its documents: frames go out encoded, bytes already encoded go out as
 * they are (DocSync.sendStream seals into its frame), and a stream frame that arrives as a message of
 * its own reaches the document without its payload copied (a message sliced from a larger buffer is).
 */
import { describe, expect, it } from 'vitest';
import { loadCrypto } from '../crypto/load.ts';
import { generateDeviceIdentity } from '../crypto/keys.ts';
import { newDocId, newWorkspaceId } from '../ids.ts';
import { decodeFrame, encodeFrame } from '../wire/codec.ts';
import { FrameType, PROTOCOL_VERSION, type Frame, type StreamFrame } from '../wire/frames.ts';
import type { DocLink, DocSync } from './doc-sync.ts';
import { RelayClient, type WebSocketLike } from './relay-client.ts';

const crypto = await loadCrypto();

/** A socket that is open at once, keeps what is sent, and delivers what the test pushes. */
class FakeSocket implements WebSocketLike {
  static last: FakeSocket | undefined;
  binaryType = 'arraybuffer';
  readyState = 1;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  readonly sent: Uint8Array[] = [];
  constructor(readonly url: string) {
    FakeSocket.last = this;
  }
  send(data: Uint8Array): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 3;
  }
  push(data: Uint8Array | ArrayBuffer): void {
    this.onmessage?.({ data });
  }
}

async function connected() {
  const identity = generateDeviceIdentity(crypto);
  const client = new RelayClient({
    url: 'ws://relay.invalid/sync',
    workspace: newWorkspaceId(),
    device: { id: identity.deviceId, publicKey: identity.signPublicKey, sign: (m) => crypto.sign(m, identity.signSecretKey.expose()) },
    WebSocket: FakeSocket,
    clientName: 'test',
  });
  const doc = newDocId();
  let link: DocLink | undefined;
  const handled: Frame[] = [];
  client.add({ doc, attach: (l: DocLink) => (link = l), detach: () => {}, handle: (f: Frame) => handled.push(f) } as unknown as DocSync);
  client.connect();
  const socket = FakeSocket.last!;
  socket.push(encodeFrame({ type: FrameType.Challenge, version: PROTOCOL_VERSION, nonce: crypto.randomBytes(32) }));
  socket.push(encodeFrame({ type: FrameType.Welcome, version: PROTOCOL_VERSION, serverTime: Date.now(), maxFrameBytes: 1 << 20, address: 'test' }));
  if (!link) throw new Error('the document was not attached');
  return { client, doc, link, socket, handled, from: identity.deviceId };
}

describe('a RelayClient link', () => {
  it('sends encoded bytes as they are, and frames encoded', async () => {
    const { doc, link, socket } = await connected();
    const bytes = encodeFrame({ type: FrameType.Unsubscribe, doc });
    expect(link.sendEncoded).toBeTypeOf('function');
    link.sendEncoded!(bytes);
    expect(socket.sent.at(-1)).toBe(bytes);
    link.send({ type: FrameType.Unsubscribe, doc });
    expect(socket.sent.at(-1)).toStrictEqual(bytes);
  });

  it('hands a stream frame arriving as a message of its own over as a view, and one sliced from a larger buffer copied', async () => {
    const { doc, socket, handled, from } = await connected();
    const frame: StreamFrame = { type: FrameType.Stream, doc, from, to: '', payload: crypto.randomBytes(5000) };
    const own = encodeFrame(frame);
    socket.push(own.buffer as ArrayBuffer);
    const read = new Uint8Array(64 * 1024);
    read.set(own, 10);
    socket.push(read.subarray(10, 10 + own.length));
    const [viewed, copied] = handled.filter((f): f is StreamFrame => f.type === FrameType.Stream);
    expect(viewed).toStrictEqual(decodeFrame(own));
    expect(viewed!.payload.buffer).toBe(own.buffer);
    expect(copied).toStrictEqual(decodeFrame(own));
    expect(copied!.payload.buffer).not.toBe(read.buffer);
  });
});
