/**
 * Waiting for a slow client never outlives the client: once the response is gone (after its close
 * event, which does not come again), a write returns false and the wait must end at once, or the
 * request would hold its in-flight slot forever.
 */
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../testing/wait.ts';
import { drainedOrClosed } from './relay-call.ts';

describe('drainedOrClosed', () => {
  it('resolves for a response whose client already went away', async () => {
    let gone: ServerResponse | undefined;
    const server = createServer((_req, res) => {
      res.writeHead(200);
      res.write('x');
      res.once('close', () => (gone = res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const req = request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1' }, (r) => r.once('data', () => req.destroy()));
      req.on('error', () => {});
      req.end();
      const res = await waitFor(() => gone, 'the response to close');
      expect(res.write(Buffer.alloc(8))).toBe(false);
      let settled = false;
      void drainedOrClosed(res).then(() => (settled = true));
      await waitFor(() => settled, 'the wait to end');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
