/**
 * Admitting a WebSocket at /sync: the Origin policy and the per-address
 * connection cap are checked first (each refusal is an error frame and a
 * close); an admitted connection gets its Challenge and a pre-auth deadline.
 */
import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import { FrameType, NONCE_BYTES, PROTOCOL_VERSION } from '@tendril/crdt-schema/wire';
import { ConnState, Connection } from './connection.ts';
import type { ConnectionRegistry } from './connections.ts';
import type { RelayContext } from './context.ts';
import { dispatch } from './dispatch.ts';
import { originAllowed, type OriginPolicy } from './origin.ts';

export interface AcceptDeps {
  readonly ctx: RelayContext;
  readonly registry: ConnectionRegistry;
  readonly origins: OriginPolicy;
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
  const { ctx, registry } = a;
  let nextId = 1;
  return (ws, req) => {
    const ip = req.socket.remoteAddress ?? 'unknown';
    const conn = new Connection(ws, {
      id: nextId++,
      ip,
      nonce: a.randomBytes(NONCE_BYTES),
      limits: ctx.limits,
      metrics: ctx.metrics,
      clock: ctx.clock,
      logger: ctx.logger,
    });
    ws.on('error', (err) => ctx.logger.warn('socket.error', { conn: conn.d.id, error: err.message }));
    if (!originAllowed(a.origins, req.headers.origin, req.headers.host)) {
      return conn.fail('E_ORIGIN', { detail: String(req.headers.origin).slice(0, 100) });
    }
    if (registry.countFrom(ip) >= ctx.limits.maxConnectionsPerIp) {
      return conn.fail('E_TOO_MANY_CONNECTIONS', { detail: `at most ${ctx.limits.maxConnectionsPerIp} per address` });
    }
    registry.add(conn);
    ctx.metrics.connectionsOpened.inc();
    const authTimer = ctx.clock.setTimeout(() => {
      if (conn.state === ConnState.Challenged) conn.fail('E_AUTH_TIMEOUT');
    }, ctx.limits.authTimeoutMs);
    ws.on('message', (data, isBinary) => {
      if (!a.shuttingDown()) dispatch(ctx, conn, bytesOf(data), isBinary);
    });
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.once('close', () => {
      ctx.clock.clearTimeout(authTimer);
      conn.state = ConnState.Closing;
      registry.remove(conn);
      for (const sub of conn.subs.values()) sub.end();
      conn.subs.clear();
    });
    conn.send({ type: FrameType.Challenge, version: PROTOCOL_VERSION, nonce: conn.d.nonce });
  };
}
