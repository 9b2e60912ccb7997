/**
 * A TCP proxy in front of the relay whose connections the test can cut at
 * any moment, as a dropped network would: both sockets are destroyed at once,
 * with whatever was in flight lost. One proxy per device makes "cut this
 * device" a single call.
 */
import { createConnection, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface CutProxy {
  /** http:// base URL to give the device instead of the relay's. */
  readonly url: string;
  /** Connections open through the proxy right now. */
  readonly open: number;
  /** Destroys every open connection; returns how many were cut. */
  cut(): number;
  close(): Promise<void>;
}

export async function startCutProxy(upstreamHttpUrl: string): Promise<CutProxy> {
  const upstream = new URL(upstreamHttpUrl);
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((device) => {
    const relay = createConnection({ host: upstream.hostname, port: Number(upstream.port) });
    const pair: [Socket, Socket] = [device, relay];
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      device.destroy();
      relay.destroy();
    };
    device.pipe(relay);
    relay.pipe(device);
    for (const s of pair) {
      s.on('close', end);
      s.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get open() {
      return pairs.size;
    },
    cut() {
      const n = pairs.size;
      for (const [device, relay] of [...pairs]) {
        device.destroy();
        relay.destroy();
      }
      pairs.clear();
      return n;
    },
    close: async () => {
      for (const [device, relay] of pairs) {
        device.destroy();
        relay.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
