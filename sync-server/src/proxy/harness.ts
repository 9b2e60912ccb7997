/**
 * The proxy under test: mounted on a real HTTP server on port 0 with a manual
 * clock, a recording logger and a recording usage sink, checking callers
 * against a real (memory) relay store that holds one workspace with one admin
 * device; tests add members, strangers and other workspaces, and sign
 * requests as a client would. Everything closes after each test.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { newWorkspaceId, type WorkspaceId } from '@tendril/crdt-schema/ids';
import { PROXY_PROOF_HEADER, signProxyRequest } from '@tendril/crdt-schema/wire';
import { createMemoryStore } from '../store/memory.ts';
import type { RelayStore } from '../store/types.ts';
import { testKey, type TestKey } from '../testing/keys.ts';
import { manualClock, type ManualClock } from '../testing/manual-clock.ts';
import type { LlmProxyConfig } from './config.ts';
import { startFakeUpstream, type FakeUpstream, type Reply } from './fake-upstream.ts';
import { createLlmProxy, type LlmProxyDeps, type UsageRecord } from './proxy.ts';

/** A device key and the workspace it signs for. */
export interface TestDevice {
  readonly workspace: WorkspaceId;
  readonly key: TestKey;
}

export interface ProxyUnderTest {
  readonly url: string;
  readonly clock: ManualClock;
  readonly store: RelayStore;
  /** The admin device of the workspace the store starts with. */
  readonly admin: TestDevice;
  /** Every log line, as JSON. */
  readonly logs: string[];
  readonly usage: UsageRecord[];
  /** How many requests the proxy passed on to its fallthrough (paths it does not own). */
  readonly fellThrough: () => number;
  /** A new device enrolled in `workspace` (default: the admin's). */
  member(workspace?: WorkspaceId): Promise<TestDevice>;
  /** The admin device of a newly registered workspace. */
  workspace(): Promise<TestDevice>;
  /** The proof header for a request, signed by `device` at `time` (default: now on the proxy's clock). */
  proof(device: TestDevice, path: string, body: string | Uint8Array, o?: { method?: string; time?: number }): Record<string, string>;
  /** POSTs `body` to `path`, signed by `device` (default: the admin), with `headers` added. */
  post(path: string, body: string, headers?: Record<string, string>, device?: TestDevice): Promise<Response>;
  /** GETs `path` (with its query), signed by `device` (default: the admin) over an empty body. */
  get(path: string, headers?: Record<string, string>, device?: TestDevice): Promise<Response>;
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
    const store = createMemoryStore();
    const logs: string[] = [];
    const usage: UsageRecord[] = [];
    let fallthrough = 0;
    const record = (level: string) => (event: string, fields?: Record<string, unknown>) => void logs.push(JSON.stringify({ level, event, ...fields }));
    const handler = createLlmProxy(config, {
      clock,
      members: store,
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
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const workspace = async (): Promise<TestDevice> => {
      const key = testKey();
      const id = newWorkspaceId();
      await store.createWorkspace(id, [key.publicKey], clock.now());
      return { workspace: id, key };
    };
    const admin = await workspace();
    const proof: ProxyUnderTest['proof'] = (device, path, body, o = {}) => ({
      [PROXY_PROOF_HEADER]: signProxyRequest(
        { workspace: device.workspace, device: device.key.id, sign: device.key.sign, now: () => o.time ?? clock.now(), randomBytes: (n) => new Uint8Array(randomBytes(n)) },
        { method: o.method ?? 'POST', path, body: typeof body === 'string' ? new TextEncoder().encode(body) : body },
      ),
    });
    return {
      url,
      clock,
      store,
      admin,
      logs,
      usage,
      fellThrough: () => fallthrough,
      async member(ws = admin.workspace) {
        const key = testKey();
        await store.enrolDevice(ws, key.publicKey);
        return { workspace: ws, key };
      },
      workspace,
      proof,
      post: (path, body, headers = {}, device = admin) =>
        fetch(`${url}${path}`, { method: 'POST', headers: { ...proof(device, path, body), ...headers }, body }),
      get: (path, headers = {}, device = admin) =>
        fetch(`${url}${path}`, { headers: { ...proof(device, path, '', { method: 'GET' }), ...headers } }),
    };
  }

  return { upstream, proxy };
}
