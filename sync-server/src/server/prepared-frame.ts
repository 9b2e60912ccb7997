/**
 * A frame sent to many peers, framed for the wire once. The fan-out sends
 * the same Entry frame to every subscriber of a document; through `ws.send`
 * each send builds a WebSocket header, two writes and a cork/uncork (one
 * `writev`). Here the WebSocket frame (header + payload, unmasked, no
 * compression: the relay's server turns permessage-deflate off) is built once
 * per entry and handed to each peer's socket in one write.
 *
 * The direct write skips `ws`'s Sender, so it is taken only when that cannot
 * reorder frames: the Sender has nothing queued and is not busy (a Blob read
 * or a compression in progress would queue later sends behind it), is not
 * in the middle of a fragmented message, and no extension is negotiated. Otherwise the frame goes through `ws.send`. Bytes
 * written either way count in `ws.bufferedAmount` (the socket's queue).
 * The fields read are `ws` internals (8.x); if they are missing the frame
 * always goes through `ws.send`.
 */
import type { WebSocket } from 'ws';

/** WebSocket opcode of a binary message with FIN set. */
const FIN_BINARY = 0x82;

export interface PreparedFrame {
  /** The frame's bytes (what `ws.send` would send). */
  readonly bytes: Uint8Array;
  /** The same bytes framed as one unmasked final binary WebSocket message. */
  readonly wire: Buffer;
}

/** WebSocket header length for a payload of `n` bytes. */
const headerLength = (n: number): number => (n < 126 ? 2 : n < 65536 ? 4 : 10);

/** Writes the header and a copy of `bytes` (or of its parts, back to back) at `at`; returns the offset after them. */
function writeFrame(wire: Buffer, at: number, bytes: Uint8Array | readonly Uint8Array[], n = lengthOf(bytes)): number {
  wire[at] = FIN_BINARY;
  if (n < 126) {
    wire[at + 1] = n;
  } else if (n < 65536) {
    wire[at + 1] = 126;
    wire.writeUInt16BE(n, at + 2);
  } else {
    wire[at + 1] = 127;
    wire.writeUInt32BE(0, at + 2);
    wire.writeUInt32BE(n, at + 6);
  }
  let o = at + headerLength(n);
  if (bytes instanceof Uint8Array) {
    wire.set(bytes, o);
    return o + n;
  }
  for (const part of bytes) {
    wire.set(part, o);
    o += part.length;
  }
  return o;
}

function lengthOf(bytes: Uint8Array | readonly Uint8Array[]): number {
  if (bytes instanceof Uint8Array) return bytes.length;
  let n = 0;
  for (const part of bytes) n += part.length;
  return n;
}

/**
 * Frames `bytes` for the wire: a 2, 4 or 10-byte header, then a copy of the payload. A frame given in
 * parts (codec.ts encodeFrameParts) is copied once, straight from them; its `bytes` are then a view of
 * `wire`'s.
 */
export function prepareFrame(bytes: Uint8Array | readonly Uint8Array[]): PreparedFrame {
  const n = lengthOf(bytes);
  const head = headerLength(n);
  const wire = Buffer.allocUnsafe(head + n);
  writeFrame(wire, 0, bytes, n);
  return { bytes: bytes instanceof Uint8Array ? bytes : wire.subarray(head), wire };
}

/** Several frames for one peer, framed back to back in one buffer: one write for a run of catch-up entries. */
export interface PreparedRun {
  readonly frames: readonly Uint8Array[];
  readonly wire: Buffer;
}

export function prepareRun(frames: readonly Uint8Array[]): PreparedRun {
  let total = 0;
  for (const f of frames) total += headerLength(f.length) + f.length;
  const wire = Buffer.allocUnsafe(total);
  let at = 0;
  for (const f of frames) at = writeFrame(wire, at, f);
  return { frames, wire };
}

/** The parts of a `ws` WebSocket (8.x) the direct write relies on. */
interface WsInternals {
  readonly _sender?: { readonly _state?: unknown; readonly _queue?: { readonly length: number }; readonly _firstFragment?: boolean };
  readonly _socket?: { write(chunk: Buffer, cb?: (err?: Error | null) => void): boolean } | null;
  readonly _extensions?: object;
}

/** Sender state when it is not waiting on a Blob or a compression (ws/lib/sender.js `DEFAULT`). */
const SENDER_IDLE = 0;

/**
 * Sends `frame` (or a run of frames) on an open `ws`: in one socket write
 * when the Sender is idle, through `ws.send` otherwise. `cb` runs once the
 * bytes were handed to the kernel (or failed), as with `ws.send`. Returns
 * true when the direct write was taken.
 */
export function sendPrepared(ws: WebSocket, frame: PreparedFrame | PreparedRun, cb?: (err?: Error | null) => void): boolean {
  const w = ws as unknown as WsInternals;
  const sender = w._sender;
  const socket = w._socket;
  if (socket && sender && sender._state === SENDER_IDLE && sender._queue?.length === 0 && sender._firstFragment === true && isEmpty(w._extensions)) {
    socket.write(frame.wire, cb);
    return true;
  }
  if ('bytes' in frame) {
    ws.send(frame.bytes, { binary: true }, cb);
  } else {
    const last = frame.frames.length - 1;
    frame.frames.forEach((bytes, i) => ws.send(bytes, { binary: true }, i === last ? cb : undefined));
  }
  return false;
}

function isEmpty(o: object | undefined): boolean {
  if (!o) return false;
  for (const _ in o) return false;
  return true;
}
