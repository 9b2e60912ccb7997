/**
 * Admitting a WebSocket at /sync: the Origin policy and the pre-auth budget
 * (connections per client address and in total) are checked first (each
 * refusal is an error frame and a close); an admitted connection gets its
 * Challenge and a pre-auth deadline, and every byte it sends before its
 * hello is counted against the pre-auth byte caps, so a stranger's partial
 * frame cannot make ws buffer megabytes for it.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import { FrameType, NONCE_BYTES, PROTOCOL_VERSION } from '@tendril/crdt-schema/wire';
import { clientAddress } from './client-address.ts';
import type { TimerHandle } from './clock.ts';
import { ConnState, Connection, type ConnectionDeps } from './connection.ts';
import type { ConnectionRegistry } from './connections.ts';
import type { RelayContext } from './context.ts';
import { dispatch } from './dispatch.ts';
import { originAllowed, type OriginPolicy } from './origin.ts';
import type { PreAuthGate } from './preauth-gate.ts';

export interface AcceptDeps {
  readonly ctx: RelayContext;
  readonly registry: ConnectionRegistry;
  readonly gate: PreAuthGate;
  readonly origins: OriginPolicy;
  /** Socket peers whose X-Forwarded-For names the client (see client-address.ts). */
  readonly trustedProxies: ReadonlySet<string>;
  readonly randomBytes: (n: number) => Uint8Array;
  /** True once shutdown began: frames are no longer handled. */
  readonly shuttingDown: () => boolean;
}

/** Message data as one byte view (ws hands out a Buffer, an ArrayBuffer or fragments). */
function bytesOf(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

export function createAcceptor(a: AcceptDeps): (ws: WebSocket, req: IncomingMessage) => void {
  const { ctx, registry, gate } = a;
  let nextId = 1;
  const shared: ConnectionDeps = { limits: ctx.limits, metrics: ctx.metrics, clock: ctx.clock, logger: ctx.logger, problems: ctx.problems };
  // The listeners below are shared by every connection (none holds closures of its own): each finds its
  // connection from the emitter, the WebSocket or (before the hello) the TCP socket.
  const owners = new WeakMap<object, Connection>();

  function onError(): void {
    ctx.problems.count('socket.error');
  }
  function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    const conn = owners.get(this);
    if (conn && !a.shuttingDown()) dispatch(ctx, conn, bytesOf(data), isBinary);
  }
  function onPong(this: WebSocket): void {
    const conn = owners.get(this);
    if (conn) conn.alive = true;
  }
  function onClose(this: WebSocket): void {
    const conn = owners.get(this);
    if (!conn) return;
    conn.socketClosed();
    gate.release(conn);
    registry.remove(conn);
    for (const sub of conn.subs.values()) sub.end();
    conn.subs.clear();
  }
  // Counted before ws parses the chunk, so the chunk that crosses a cap is the last one read.
  function countPreAuth(this: Socket, chunk: Buffer): void {
    const conn = owners.get(this);
    if (!conn || !gate.holds(conn)) return detach(this);
    // A first frame announced larger than the pre-auth budget is no hello: dropped on its header,
    // before its sender fills the socket buffers with the rest.
    const announced = gate.bytesFrom(conn) === 0 ? announcedLength(chunk) : undefined;
    const over = announced !== undefined && announced > ctx.limits.maxPreAuthBytes
      ? (gate.release(conn), { reason: 'bytes' as const, detail: `at most ${ctx.limits.maxPreAuthBytes} bytes before the hello` })
      : gate.received(conn, chunk.length);
    if (!over) return;
    detach(this);
    conn.fail(over.reason === 'bytes' ? 'E_FRAME_TOO_LARGE' : 'E_TOO_MANY_CONNECTIONS', { detail: over.detail }, { drop: true });
  }
  function detach(socket: Socket): void {
    socket.off('data', countPreAuth);
    owners.delete(socket);
  }

  return (ws, req) => {
    const ip = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], a.trustedProxies);
    const conn = new Connection(ws, shared, nextId++, ip, a.randomBytes(NONCE_BYTES));
    owners.set(ws, conn);
    ws.on('error', onError);
    ws.on('close', onClose);
    if (!originAllowed(a.origins, req.headers.origin, req.headers.host)) {
      return conn.fail('E_ORIGIN', { detail: String(req.headers.origin).slice(0, 100) });
    }
    const refused = gate.admit(conn, ip);
    if (refused) return conn.fail('E_TOO_MANY_CONNECTIONS', { detail: refused.detail }, { drop: true });
    owners.set(req.socket, conn);
    req.socket.prependListener('data', countPreAuth);
    registry.add(conn);
    ctx.metrics.connectionsOpened.inc();
    conn.authTimer = authDeadline(ctx, conn);
    ws.on('message', onMessage);
    ws.on('pong', onPong);
    conn.send({ type: FrameType.Challenge, version: PROTOCOL_VERSION, nonce: conn.nonce });
  };
}

/** Fails `conn` if it is still waiting for its hello after the pre-auth timeout (cleared by the hello or the close). */
function authDeadline(ctx: RelayContext, conn: Connection): TimerHandle {
  return ctx.clock.setTimeout(() => {
    if (conn.state === ConnState.Challenged) conn.fail('E_AUTH_TIMEOUT', {}, { drop: true });
  }, ctx.limits.authTimeoutMs);
}

/** The payload length a WebSocket frame header at the start of `chunk` announces, when the chunk holds it. */
export function announcedLength(chunk: Uint8Array): number | undefined {
  if (chunk.length < 2) return undefined;
  const short = chunk[1]! & 0x7f;
  if (short < 126) return short;
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (short === 126) return chunk.length >= 4 ? view.getUint16(2) : undefined;
  return chunk.length >= 10 ? Number(view.getBigUint64(2)) : undefined;
}
