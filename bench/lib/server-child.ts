/**
 * One server under test, alone in its own process so its CPU and memory are
 * its own: `node --import tsx bench/lib/server-child.ts '<ServerSpec JSON>'`.
 *
 * - tendril: the real relay through `startRelay` (SQLite under a fresh data
 *   directory, the given store options, or Redis), limits raised for load.
 * - yws: the plain y-websocket server (`@y/websocket-server` setupWSConnection),
 *   one in-memory Y.Doc per room, as its own server.js wires it.
 * - raw: a `ws` server that forwards each message's bytes to the other
 *   sockets on the same path (no CRDT, no storage, no checks).
 *
 * Answers `usage` (CPU, memory), `metrics` (the relay's /metrics text) and
 * `heapSnapshot` (a V8 heap snapshot, for finding what a connection holds).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { WebSocketServer, WebSocket } from 'ws';
import { createMemoryStore, openSqliteStore, startRelay, type RelayLimits } from '@tendril/sync-server';
import { setupWSConnection } from '@y/websocket-server/utils';
import { serveRpc } from './rpc.ts';

export type ServerSpec =
  | {
      readonly kind: 'tendril';
      readonly dataDir: string;
      readonly limits?: Partial<RelayLimits>;
      /** SQLite group-commit batch cap; 1 = one transaction (and fsync) per append. */
      readonly maxBatch?: number;
      /** Keep the log in memory (no SQLite, no fsync). */
      readonly memoryStore?: boolean;
      /** Keep the data in this Redis and join its fan-out (several relay processes on one Redis). */
      readonly redis?: { readonly url: string; readonly prefix?: string };
    }
  | { readonly kind: 'yws' }
  | { readonly kind: 'raw' };

export interface ServerReady {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly pid: number;
}

/** Limits for load tests: no connection caps, no rate limit, no pruning while a run reads. Everything else default. */
export const BENCH_LIMITS: Partial<RelayLimits> = {
  connectsPerSecondPerIp: 1_000_000,
  connectBurstPerIp: 1_000_000,
  maxPreAuthPerIp: 1_000_000,
  maxPreAuthConnections: 1_000_000,
  maxConnectionsPerDevice: 1_000_000,
  maxConnectionsPerWorkspace: 1_000_000,
  framesPerSecond: 1_000_000,
  frameBurst: 1_000_000,
  pruneGraceMs: 3_600_000,
};

async function listenPlain(onConnection: (ws: WebSocket, url: string) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => res.end('ok'));
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req.url ?? '/')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        server.close(() => resolve());
      }),
  };
}

async function start(spec: ServerSpec): Promise<{ url: string; close(): Promise<void> }> {
  if (spec.kind === 'tendril') {
    const store = spec.memoryStore
      ? createMemoryStore()
      : spec.maxBatch !== undefined
        ? openSqliteStore({ path: join(spec.dataDir, 'relay.sqlite'), maxBatch: spec.maxBatch })
        : undefined;
    const relay = await startRelay({
      port: 0,
      host: '127.0.0.1',
      dataDir: spec.dataDir,
      ...(store ? { store } : {}),
      ...(spec.redis ? { redis: spec.redis } : {}),
      limits: { ...BENCH_LIMITS, ...spec.limits },
    });
    return { url: relay.url, close: () => relay.close() };
  }
  if (spec.kind === 'yws') {
    return listenPlain((ws, url) => setupWSConnection(ws, { url } as Parameters<typeof setupWSConnection>[1]));
  }
  const rooms = new Map<string, Set<WebSocket>>();
  return listenPlain((ws, url) => {
    let room = rooms.get(url);
    if (!room) rooms.set(url, (room = new Set()));
    const members = room;
    members.add(ws);
    ws.on('message', (data, isBinary) => {
      for (const peer of members) if (peer !== ws && peer.readyState === WebSocket.OPEN) peer.send(data, { binary: isBinary });
    });
    ws.on('close', () => members.delete(ws));
  });
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ServerSpec;
const server = await start(spec);
serveRpc(
  {
    metrics: async () => (spec.kind === 'tendril' ? (await fetch(`${server.url}/metrics`)).text() : ''),
    /** Writes a V8 heap snapshot into the given directory; answers its path. */
    heapSnapshot: (args) => writeHeapSnapshot(join((args as { dir: string }).dir, `${spec.kind}-${process.pid}.heapsnapshot`)),
  },
  { url: server.url, pid: process.pid } satisfies ServerReady,
  () => server.close(),
);
