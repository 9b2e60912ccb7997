/**
 * Ping/pong liveness: every interval each socket is pinged; one that has not
 * answered (or sent anything) since the previous ping is terminated, freeing
 * its slot and its buffers. Its peer reconnects and resumes from its cursor.
 */
import type { Clock } from './clock.ts';
import type { Connection } from './connection.ts';
import type { Logger } from './logger.ts';

export function startLiveness(clock: Clock, intervalMs: number, logger: Logger, connections: () => Iterable<Connection>): { stop(): void } {
  const timer = clock.setInterval(() => {
    for (const conn of connections()) {
      if (!conn.alive) {
        logger.info('connection.dead', { conn: conn.id });
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      if (conn.ws.readyState === conn.ws.OPEN) conn.ws.ping();
    }
  }, intervalMs);
  return { stop: () => clock.clearInterval(timer) };
}
