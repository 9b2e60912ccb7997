/**
 * The proxy under test: mounted on a real HTTP server on port 0 with a manual
 * clock, a recording logger and a recording usage sink; everything closes
 * after each test.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { manualClock, type ManualClock } from '../testing/manual-clock.ts';
import type { LlmProxyConfig } from './config.ts';
import { startFakeUpstream, type FakeUpstream, type Reply } from './fake-upstream.ts';
import { createLlmProxy, type LlmProxyDeps, type UsageRecord } from './proxy.ts';

export interface ProxyUnderTest {
  readonly url: string;
  readonly clock: ManualClock;
  /** Every log line, as JSON. */
  readonly logs: string[];
  readonly usage: UsageRecord[];
  /** How many requests the proxy passed on to its fallthrough (paths it does not own). */
  readonly fellThrough: () => number;
}

export function proxyHarness() {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  async function upstream(reply: Reply): Promise<FakeUpstream> {
    const u = await startFakeUpstream(reply);
    closers.push(() => u.close());
    return u;
  }

  async function proxy(config: Partial<LlmProxyConfig>, deps: Partial<LlmProxyDeps> = {}): Promise<ProxyUnderTest> {
    const clock = manualClock();
    const logs: string[] = [];
    const usage: UsageRecord[] = [];
    let fallthrough = 0;
    const record = (level: string) => (event: string, fields?: Record<string, unknown>) => void logs.push(JSON.stringify({ level, event, ...fields }));
    const handler = createLlmProxy(config, {
      clock,
      logger: { info: record('info'), warn: record('warn') },
      onUsage: (u) => void usage.push(u),
      ...deps,
    });
    const server = createServer((req, res) => {
      void handler(req, res).then((handled) => {
        if (handled) return;
        fallthrough++;
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, clock, logs, usage, fellThrough: () => fallthrough };
  }

  return { upstream, proxy };
}
