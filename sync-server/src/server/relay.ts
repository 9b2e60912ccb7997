/**
 * createRelay: the blind relay on one HTTP server. WebSocket sync at /sync,
 * /healthz, /metrics and optional static files on the same port. Every
 * dependency comes in through `RelayDeps`; all state lives in the returned
 * instance.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import type { RelayStore } from '../store/types.ts';
import { soloFanout, type Fanout } from '../fanout/types.ts';
import { createAcceptor } from './accept.ts';
import { systemClock, type Clock } from './clock.ts';
import { catchUpHighWater, resolveLimits, type RelayLimits } from './config.ts';
import { ConnectionRegistry } from './connections.ts';
import { identityOf } from './connection.ts';
import type { RelayContext } from './context.ts';
import { DocHub } from './doc-hub.ts';
import { createEd25519Verifier, type Ed25519Verifier } from './ed25519.ts';
import { createHttpHandler, type HttpRoute } from './http-routes.ts';
import { createInflight } from './inflight.ts';
import { instrumentStore } from './instrumented-store.ts';
import { startLiveness } from './liveness.ts';
import { silentLogger, type Logger } from './logger.ts';
import { createOriginPolicy } from './origin.ts';
import { PreAuthGate } from './preauth-gate.ts';
import { createProblemLog } from './problem-log.ts';
import type { CatchUpMemory } from './subscription.ts';
import { clientAddress, normalizeAddress, trustedProxySet } from './client-address.ts';
import { ConnectRate } from './connect-rate.ts';
import { Tarpit } from './tarpit.ts';
import { createPruner } from './pruner.ts';
import { createRelayMetrics } from './relay-metrics.ts';
import type { MetricsRegistry } from './prometheus.ts';
import { createStaticFiles } from './static-files.ts';
import { createHeadCheck } from './head-check.ts';
import { fanoutListener } from './remote.ts';
import { shutdownRelay } from './shutdown.ts';
import { UsageTracker } from './usage.ts';
import { BlobUploads } from './blob-uploads.ts';
import { RegistrationGate } from './registration-gate.ts';
import type { GuestStore } from '../store/guest-types.ts';
import { createMemoryGuestStore } from '../store/guest-memory.ts';
import { GuestCodeGate } from './guest-code-gate.ts';
import { GuestHub } from './guest-hub.ts';
import { createGuestPresence } from './guest-presence.ts';
import { toBase64Url, type WorkspaceId } from '@tendril/crdt-schema/ids';

/** Default `verifyOnPoolFromBytes`: a 64 KiB envelope takes ~250 µs to verify, a 1 MiB snapshot ~3 ms. */
const VERIFY_ON_POOL_FROM_BYTES = 64 * 1024;

export interface RelayDeps {
  readonly store: RelayStore;
  /** Where guest links and visitors are kept; default in memory (closed with the relay when closeStore). */
  readonly guestStore?: GuestStore;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly limits?: Partial<RelayLimits>;
  /** Operator code required to register a new workspace; unset = open registration. */
  readonly accessCode?: string;
  /** Bearer token /metrics requires; unset = anyone who reaches the port may read the metrics. */
  readonly metricsToken?: string;
  /** Browser origins allowed besides the relay's own; "*" allows any. */
  readonly allowedOrigins?: readonly string[];
  /** Allow WebSocket clients that send no Origin (non-browser peers). Default true. */
  readonly allowMissingOrigin?: boolean;
  /** Addresses of reverse proxies whose X-Forwarded-For names the client (for the per-address caps). */
  readonly trustedProxies?: readonly string[];
  /** Directory of the app's static files, served at / with a single-page fallback. */
  readonly staticDir?: string;
  /** Origins added to the app's connect-src (model providers a page may call directly). */
  readonly connectSources?: readonly string[];
  /** Extra HTTP handlers, tried in order after the relay's own paths and before static files. */
  readonly routes?: readonly HttpRoute[];
  /** Verify each envelope's author signature before storing it. Default true. */
  readonly verifyEnvelopes?: boolean;
  /**
   * Envelopes of at least this many bytes are verified on the libuv thread pool instead of the
   * event loop (envelope-check.ts). Default 64 KiB: below it the thread hop costs about what it frees.
   */
  readonly verifyOnPoolFromBytes?: number;
  /** The Ed25519 checks; default node:crypto (ed25519.ts). */
  readonly verifier?: Ed25519Verifier;
  /** Close the store when the relay closes. Default true. */
  readonly closeStore?: boolean;
  readonly randomBytes?: (n: number) => Uint8Array;
  /** An HTTP server to attach to; default a new one. */
  readonly server?: Server;
  /** The metrics registry /metrics renders, when mounted routes add series of their own; default a new one. */
  readonly metricsRegistry?: MetricsRegistry;
  /**
   * How this relay hears of appends, ephemeral frames, revocations and capability changes made
   * through other relay processes on the same store (fanout/redis.ts on Redis); default none (a
   * relay alone on its store). Closed with the relay.
   */
  readonly fanout?: Fanout;
}

export interface Relay {
  readonly server: Server;
  readonly limits: RelayLimits;
  /** Listens on `port` (0 = any free port); resolves with the port and the base URL. */
  listen(port: number, host?: string): Promise<{ port: number; url: string }>;
  /** Graceful shutdown: stop accepting, finish commits, E_SHUTTING_DOWN to peers, close the store. */
  close(): Promise<void>;
}

export function createRelay(deps: RelayDeps): Relay {
  const clock = deps.clock ?? systemClock();
  const logger = deps.logger ?? silentLogger;
  const limits = resolveLimits(deps.limits);
  const metrics = createRelayMetrics(deps.metricsRegistry);
  const store = instrumentStore(deps.store, metrics.storeSeconds);
  const registry = new ConnectionRegistry();
  const gate = new PreAuthGate(limits);
  const problems = createProblemLog(clock, logger, metrics.problems, limits.problemLogIntervalMs);
  const catchUpMemory: CatchUpMemory = { bytes: 0, waiting: 0 };
  const inflight = createInflight();
  const fanout = deps.fanout ?? soloFanout();
  const hub = new DocHub({
    store,
    logger,
    pageSize: limits.catchUpPageSize,
    pageBytes: limits.catchUpPageBytes,
    onRead: (n) => metrics.fanoutEntriesRead.inc(undefined, n),
    track: inflight.track,
  });
  const pruner = createPruner(store, clock, logger, limits.pruneGraceMs, inflight.track);
  const startedAt = clock.now();
  let shuttingDown = false;
  let closing: Promise<void> | undefined;
  // Announced to the other relay processes on the store when the links answered here change.
  const guestHub = new GuestHub(limits, () => guestPresence.changed());
  const guests = { store: deps.guestStore ?? createMemoryGuestStore(), gate: new GuestCodeGate(limits, deps.guestStore?.codeCounts?.(limits)), hub: guestHub };
  const admitCounted = (conn: Parameters<RelayContext['admitIdentity']>[0], id: Parameters<RelayContext['admitIdentity']>[1], what: string): string | undefined => {
    if (registry.countOfDevice(id.workspace, id.device) >= limits.maxConnectionsPerDevice) {
      return `at most ${limits.maxConnectionsPerDevice} connections per ${what === 'workspace' ? 'device' : 'visitor'}`;
    }
    if (registry.countOfWorkspace(id.workspace) >= limits.maxConnectionsPerWorkspace) {
      return `at most ${limits.maxConnectionsPerWorkspace} connections per ${what}`;
    }
    registry.authenticated(conn, id);
    gate.release(conn);
    return undefined;
  };

  const blobUploads = new BlobUploads(limits);
  const ctx: RelayContext = {
    store,
    clock,
    logger,
    limits,
    metrics,
    verifier: deps.verifier ?? createEd25519Verifier(),
    hub,
    subscriptionDeps: {
      store,
      hub,
      logger,
      pageSize: limits.catchUpPageSize,
      pageBytes: limits.catchUpPageBytes,
      highWater: catchUpHighWater(limits),
      memory: catchUpMemory,
    },
    problems,
    admitIdentity: (conn, id) => admitCounted(conn, id, 'workspace'),
    // Counted under the link, not the owner's workspace: 'guest:' cannot start a workspace id.
    admitGuest: (conn, id, link) => admitCounted(conn, identityOf(`guest:${link}` as WorkspaceId, id.device), 'guest link'),
    guests,
    usage: new UsageTracker(store, clock, limits),
    blobUploads,
    registrations: new RegistrationGate(clock, limits),
    accessCode: deps.accessCode,
    verifyEnvelopes: deps.verifyEnvelopes ?? true,
    verifyOnPoolFromBytes: deps.verifyOnPoolFromBytes ?? VERIFY_ON_POOL_FROM_BYTES,
    connectionsOf: (workspace, device) => registry.of(workspace, device),
    subscriptionsOfWorkspace: (workspace) => registry.subscriptionsOfWorkspace(workspace),
    track: inflight.track,
    schedulePrune: (doc, seq) => pruner.schedule(doc, seq),
    announce(msg) {
      if (!fanout.shared) return;
      metrics.fanoutPublished.inc({ kind: msg.kind });
      fanout.publish(msg);
    },
  };
  const checkHeads = createHeadCheck(store, hub, metrics);
  const guestPresence = createGuestPresence({
    hub: guestHub,
    clock,
    relay: toBase64Url(new Uint8Array(nodeRandomBytes(16))),
    intervalMs: limits.headCheckIntervalMs,
    publish: (msg) => ctx.announce(msg),
  });
  const fanoutStarted = fanout.start(fanoutListener({ ctx, connections: () => registry.list(), checkHeads, guestPresence }));
  // Caught by listen(); this keeps an unobserved rejection from ending the process first.
  fanoutStarted.catch(() => undefined);
  const headTimer = fanout.shared
    ? clock.setInterval(() => {
        void checkHeads().catch((err: unknown) => logger.error('fanout.head_check_failed', { error: String(err) }));
        guestPresence.tick();
      }, limits.headCheckIntervalMs)
    : undefined;

  const health = async (): Promise<Record<string, unknown>> => {
    try {
      await store.check();
    } catch (err) {
      const cause = err instanceof Error && err.cause !== undefined ? String(err.cause) : undefined;
      logger.error('store.unhealthy', { error: String(err), ...(cause ? { cause } : {}) });
      return { ok: false, store: 'failing', connections: registry.size, uptimeSeconds: Math.round((clock.now() - startedAt) / 1000) };
    }
    const stats = await store.stats();
    return {
      connections: registry.size,
      liveDocs: hub.size,
      ...stats,
      heapUsed: process.memoryUsage().heapUsed,
      uptimeSeconds: Math.round((clock.now() - startedAt) / 1000),
    };
  };
  const renderMetrics = async (): Promise<string> => {
    const stats = await store.stats().catch(() => undefined);
    metrics.connections.set(registry.size);
    metrics.liveDocs.set(hub.size);
    metrics.heapUsed.set(process.memoryUsage().heapUsed);
    metrics.preAuthConnections.set(gate.connections);
    metrics.preAuthBytes.set(gate.bufferedBytes);
    metrics.bufferedBytes.set(registry.list().reduce((n, c) => n + c.bufferedAmount, 0));
    metrics.catchUpBytes.set(catchUpMemory.bytes);
    metrics.blobUploadBytes.set(blobUploads.bytes);
    metrics.catchUpsWaiting.set(catchUpMemory.waiting);
    if (stats) {
      metrics.docs.set(stats.docs);
      metrics.entries.set(stats.entries);
      metrics.workspaces.set(stats.workspaces);
    }
    return metrics.registry.render();
  };

  const server = deps.server ?? createServer();
  server.on(
    'request',
    createHttpHandler({
      health,
      metrics: renderMetrics,
      ...(deps.metricsToken !== undefined ? { metricsToken: deps.metricsToken } : {}),
      routes: deps.routes ?? [],
      staticFiles: deps.staticDir !== undefined ? createStaticFiles(deps.staticDir, deps.connectSources) : undefined,
      onError: (route, err) => logger.error('http.error', { route, error: String(err) }),
    }),
  );
  // ws enforces twice the frame limit itself (close 1009); frames in between get an E_FRAME_TOO_LARGE error frame.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 2 * limits.maxFrameBytes, perMessageDeflate: false });
  const trusted = trustedProxySet(deps.trustedProxies);
  const connectRate = new ConnectRate(limits);
  const accept = createAcceptor({
    ctx,
    registry,
    gate,
    origins: createOriginPolicy(deps.allowedOrigins, deps.allowMissingOrigin ?? true),
    trustedProxies: trusted,
    randomBytes: deps.randomBytes ?? ((n) => new Uint8Array(nodeRandomBytes(n))),
    shuttingDown: () => shuttingDown,
  });
  // An address whose new connections are being refused has its sockets closed as they are accepted:
  // a stranger's reconnect loop then costs no HTTP parsing and no response. (Behind a trusted proxy
  // every socket comes from the proxy; its clients are told apart at the upgrade, below.)
  const tarpit = new Tarpit(limits, clock);
  server.on('connection', (socket: Socket) => {
    const peer = normalizeAddress(socket.remoteAddress ?? 'unknown');
    if (trusted.has(peer) || connectRate.refusing(peer, clock.now()) === 0) return;
    problems.count('connect.refused');
    // Held unanswered for a while (a retry loop waits on it) while the tarpit has room, else closed now.
    if (!tarpit.hold(socket, peer)) socket.destroy();
  });
  server.on('upgrade', (req, socket, head) => {
    // A held socket of a refused address gets no answer: its sender waits until the tarpit closes it.
    if (tarpit.holds(socket)) return;
    const path = new URL(req.url ?? '/', 'http://relay').pathname;
    if (path !== '/sync' || shuttingDown) {
      socket.end(`HTTP/1.1 ${shuttingDown ? '503 Service Unavailable' : '404 Not Found'}\r\nconnection: close\r\n\r\n`);
      return;
    }
    // A reconnect loop is refused here, before the handshake, the challenge and any byte is read.
    const wait = connectRate.take(clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trusted), clock.now());
    if (wait > 0) {
      problems.count('connect.rate');
      socket.end(`HTTP/1.1 429 Too Many Requests\r\nretry-after: ${Math.ceil(wait / 1000)}\r\nconnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, req));
  });

  const liveness = startLiveness(clock, limits.pingIntervalMs, logger, () => registry.list());
  const sweep = clock.setInterval(() => {
    void inflight.track(store.expireBlobs(clock.now())).catch((err: unknown) => logger.error('blobs.expire', { error: String(err) }));
    connectRate.sweep(clock.now());
    guests.gate.sweep(clock.now());
    guests.hub.sweep(clock.now());
  }, limits.blobSweepIntervalMs);

  return {
    server,
    limits,
    async listen(port, host = '127.0.0.1') {
      await fanoutStarted;
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const actual = (server.address() as AddressInfo).port;
          const shown = host.includes(':') ? `[${host}]` : host;
          logger.info('relay.listening', { host, port: actual });
          resolve({ port: actual, url: `http://${shown}:${actual}` });
        });
      });
    },
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        tarpit.closeAll();
        liveness.stop();
        problems.stop();
        clock.clearInterval(sweep);
        if (headTimer !== undefined) clock.clearInterval(headTimer);
        await shutdownRelay({ server, wss, registry, inflight, pruner, clock, limits, logger });
        guestPresence.goodbye();
        await fanout.close();
        if (deps.closeStore ?? true) await Promise.all([deps.store.close(), guests.store.close()]);
        logger.info('relay.closed');
      })();
      return closing;
    },
  };
}
