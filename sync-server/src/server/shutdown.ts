/**
 * Graceful shutdown, in order: stop accepting; let every connection finish
 * the frames it already sent, and every commit get its Ack; then
 * E_SHUTTING_DOWN to everyone and close (terminating peers that linger);
 * run the pending prunes; stop the HTTP server.
 */
import type { Server } from 'node:http';
import type { WebSocketServer } from 'ws';
import type { Clock } from './clock.ts';
import type { RelayLimits } from './config.ts';
import type { ConnectionRegistry } from './connections.ts';
import type { Inflight } from './inflight.ts';
import type { Logger } from './logger.ts';
import type { Pruner } from './pruner.ts';

export interface ShutdownDeps {
  readonly server: Server;
  readonly wss: WebSocketServer;
  readonly registry: ConnectionRegistry;
  readonly inflight: Inflight;
  readonly pruner: Pruner;
  readonly clock: Clock;
  readonly limits: RelayLimits;
  readonly logger: Logger;
}

/** Resolves when `work` settles or after `ms`, whichever is first; true if it settled. */
function within(clock: Clock, ms: number, work: Promise<unknown>): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(() => resolve(false), ms);
    void work.then(() => {
      clock.clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function shutdownRelay(d: ShutdownDeps): Promise<void> {
  const serverClosed = new Promise<void>((resolve) => d.server.close(() => resolve()));
  d.server.closeIdleConnections();
  const conns = d.registry.list();
  await Promise.all(conns.map((c) => c.idle()));
  await d.inflight.drain();
  for (const c of conns) c.fail('E_SHUTTING_DOWN');
  const allClosed = Promise.all(conns.map((c) => c.closed));
  if (!(await within(d.clock, d.limits.shutdownTimeoutMs, allClosed))) {
    const lingering = conns.filter((c) => c.ws.readyState !== c.ws.CLOSED);
    d.logger.warn('shutdown.terminate', { connections: lingering.length });
    for (const c of lingering) c.ws.terminate();
    await allClosed;
  }
  await d.pruner.flush();
  await d.inflight.drain();
  d.wss.close();
  if (!(await within(d.clock, d.limits.shutdownTimeoutMs, serverClosed))) d.server.closeAllConnections();
  await serverClosed;
}
