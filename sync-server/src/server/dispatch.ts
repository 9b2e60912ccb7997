/**
 * From WebSocket message to handler: decode under the size limit, count,
 * rate-limit every frame (presence and streams have their own buckets, in
 * their handlers; unknown types and frames before the hello take from the
 * frame bucket like any other), require the handshake, then run the frame's
 * handler on the connection's ordered queue. Bytes that do not decode end
 * the connection (E_FRAME_MALFORMED). An unknown frame type, or a frame
 * before the hello, is refused and the connection stays open, up to
 * `maxStrayFrames` of them; a frame over the rate is answered only when it
 * names a ref or a document, so garbage earns no replies.
 */
import { isTendrilError } from '@tendril/crdt-schema/errors';
import { decodeFrame, FrameType, type Frame } from '@tendril/crdt-schema/wire';
import { ConnState, type Connection, type ErrorDetail } from './connection.ts';
import type { RelayContext } from './context.ts';
import { frameTypeLabel } from './relay-metrics.ts';
import { handleHello } from './handlers/hello.ts';
import { handleSubscribe, handleUnsubscribe } from './handlers/subscribe.ts';
import { handleEnvelope } from './handlers/envelope.ts';
import { handleSnapshotPut } from './handlers/snapshot.ts';
import { handlePresence } from './handlers/presence.ts';
import { handleStream } from './handlers/stream.ts';
import { handleRevoke } from './handlers/revoke.ts';
import { handleAddAdmin } from './handlers/add-admin.ts';
import { handleEnrol } from './handlers/enrol.ts';
import { handleSetCaps } from './handlers/set-caps.ts';
import { handleBlobPut, handleBlobTake } from './handlers/blobs.ts';
import { handleBlobDelete, handleBlobHas, handleBlobList, handleBlobRead, handleBlobWrite } from './handlers/stored-blobs.ts';
import { handleGuestEnd, handleGuestHello, handleGuestLink, handleGuestWatch } from './handlers/guest.ts';
import { handleLocate } from './handlers/locate.ts';

type Handler<F extends Frame> = (ctx: RelayContext, conn: Connection, frame: F) => Promise<void> | void;
type Of<T extends Frame['type']> = Extract<Frame, { type: T }>;

/** The frames a client may send, and who handles them. */
const HANDLERS: { [T in Frame['type']]?: Handler<Of<T>> } = {
  [FrameType.Hello]: handleHello,
  [FrameType.Subscribe]: handleSubscribe,
  [FrameType.Unsubscribe]: handleUnsubscribe,
  [FrameType.Envelope]: handleEnvelope,
  [FrameType.SnapshotPut]: handleSnapshotPut,
  [FrameType.Presence]: handlePresence,
  [FrameType.Stream]: handleStream,
  [FrameType.Revoke]: handleRevoke,
  [FrameType.AddAdmin]: handleAddAdmin,
  [FrameType.Enrol]: handleEnrol,
  [FrameType.SetCaps]: handleSetCaps,
  [FrameType.BlobPut]: handleBlobPut,
  [FrameType.BlobTake]: handleBlobTake,
  [FrameType.GuestLink]: handleGuestLink,
  [FrameType.GuestHello]: handleGuestHello,
  [FrameType.Locate]: handleLocate,
  [FrameType.GuestWatch]: handleGuestWatch,
  [FrameType.GuestEnd]: handleGuestEnd,
  [FrameType.BlobWrite]: handleBlobWrite,
  [FrameType.BlobRead]: handleBlobRead,
  [FrameType.BlobHas]: handleBlobHas,
  [FrameType.BlobList]: handleBlobList,
  [FrameType.BlobDelete]: handleBlobDelete,
};

/** What an admitted visitor may send: follow, leave and append to its own conversation (handlers check which). */
const GUEST_FRAMES: ReadonlySet<number> = new Set([FrameType.Subscribe, FrameType.Unsubscribe, FrameType.Envelope, FrameType.GuestHello]);
const isHello = (t: number): boolean => t === FrameType.Hello || t === FrameType.GuestHello || t === FrameType.Locate;

const refOf = (f: Frame): number => ('ref' in f ? f.ref : 0);
const docOf = (f: Frame): string => ('doc' in f ? f.doc : '');

export function dispatch(ctx: RelayContext, conn: Connection, bytes: Uint8Array, isBinary: boolean): void {
  if (conn.state === ConnState.Closing) return;
  conn.alive = true;
  if (!isBinary) {
    ctx.metrics.frameIn(undefined, bytes.length);
    return conn.fail('E_FRAME_MALFORMED', { detail: 'frames are binary messages' });
  }
  let frame: Frame;
  try {
    // A large stream frame's payload stays a view of the message `ws` handed over (its own buffer,
    // never reused; a message sliced from a larger read is copied, codec.ts), copied once into the
    // frame each subscriber gets (ephemeral.ts).
    frame = decodeFrame(bytes, { maxBytes: ctx.limits.maxFrameBytes, views: bytes[0] === FrameType.Stream });
  } catch (err) {
    ctx.metrics.frameIn(undefined, bytes.length);
    const code = isTendrilError(err) ? err.code : 'E_FRAME_MALFORMED';
    const detail = (err as Error).message.slice(0, 200);
    if (code === 'E_FRAME_UNKNOWN') return stray(ctx, conn, code, { detail }, conn.frameBucket.take(ctx.clock.now()) > 0);
    return conn.fail(code === 'E_FRAME_TOO_LARGE' ? code : 'E_FRAME_MALFORMED', { detail });
  }
  ctx.metrics.frameIn(frame.type, bytes.length);

  const ephemeral = frame.type === FrameType.Presence || frame.type === FrameType.Stream;
  const wait = ephemeral ? 0 : conn.frameBucket.take(ctx.clock.now());
  if (wait > 0) {
    if (!('ref' in frame) && !('doc' in frame)) return ctx.metrics.rejected('E_RATE_LIMITED');
    return conn.error('E_RATE_LIMITED', { ref: refOf(frame), doc: docOf(frame), retryAfterMs: wait });
  }

  if (frame.type === FrameType.Error) {
    ctx.problems.count(conn.state === ConnState.Challenged ? 'preauth.peer_error' : 'peer_error');
    return;
  }
  const handler = HANDLERS[frame.type] as Handler<Frame> | undefined;
  if (!handler) return stray(ctx, conn, 'E_FRAME_UNKNOWN', { ref: refOf(frame), detail: `${frameTypeLabel(frame.type)} is a relay-to-client frame` }, false);
  conn.enqueue(() => {
    if (conn.state === ConnState.Closing) return;
    if (conn.state === ConnState.Challenged && !isHello(frame.type)) return stray(ctx, conn, 'E_AUTH_REQUIRED', { ref: refOf(frame), doc: docOf(frame) }, false);
    if (conn.guest && !GUEST_FRAMES.has(frame.type)) return conn.error('E_FORBIDDEN', { ref: refOf(frame), doc: docOf(frame), detail: 'a visitor may only follow and write its own conversation' });
    return handler(ctx, conn, frame);
  });
}

/**
 * A frame the relay cannot act on: an unknown type, or one sent before the
 * hello. It has taken a token like any frame (`limited`: there was none);
 * it is answered unless limited, and the connection is closed at
 * `maxStrayFrames`.
 */
function stray(ctx: RelayContext, conn: Connection, code: 'E_FRAME_UNKNOWN' | 'E_AUTH_REQUIRED', e: ErrorDetail, limited: boolean): void {
  conn.strays++;
  if (conn.strays >= ctx.limits.maxStrayFrames) return conn.fail(code, { ...e, detail: `${conn.strays} frames refused` });
  if (limited) return ctx.metrics.rejected(code);
  conn.error(code, e);
}
