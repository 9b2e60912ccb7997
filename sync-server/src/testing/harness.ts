/**
 * In-process relays for integration tests: real HTTP and WebSocket on port 0,
 * a memory store unless one is given, and test clients that are all closed by
 * `cleanup()` (call it in afterEach).
 */
import { newWorkspaceId, type WorkspaceId } from '@tendril/crdt-schema/ids';
import { FrameType } from '@tendril/crdt-schema/wire';
import { createMemoryStore } from '../store/memory.ts';
import type { RelayStore } from '../store/types.ts';
import { createRelay, type Relay, type RelayDeps } from '../server/relay.ts';
import { testKey, type TestKey } from './keys.ts';
import { TestClient, type ConnectOptions } from './test-client.ts';

export interface TestRelay {
  readonly relay: Relay;
  readonly store: RelayStore;
  readonly url: string;
}

export interface Member {
  readonly client: TestClient;
  readonly device: TestKey;
  readonly workspace: WorkspaceId;
}

export interface RelayHarness {
  start(deps?: Partial<RelayDeps>): Promise<TestRelay>;
  connect(relay: TestRelay, opts?: ConnectOptions): Promise<TestClient>;
  /**
   * A connected, welcomed member device: registers `workspace` (as its admin) unless it exists,
   * else it is enrolled in the store directly (as an admin's Enrol would).
   */
  member(relay: TestRelay, workspace?: WorkspaceId, device?: TestKey): Promise<Member>;
  cleanup(): Promise<void>;
}

export function relayHarness(): RelayHarness {
  const relays: TestRelay[] = [];
  const clients: TestClient[] = [];
  const h: RelayHarness = {
    async start(deps = {}) {
      const store = deps.store ?? createMemoryStore();
      const relay = createRelay({ ...deps, store });
      const { url } = await relay.listen(0, '127.0.0.1');
      const r = { relay, store, url };
      relays.push(r);
      return r;
    },
    async connect(relay, opts) {
      const client = await TestClient.connect(relay.url, opts);
      clients.push(client);
      return client;
    },
    async member(relay, workspace = newWorkspaceId(), device = testKey()) {
      const client = await h.connect(relay);
      const exists = (await relay.store.getWorkspace(workspace)) !== undefined;
      if (exists) await relay.store.enrolDevice(workspace, device.publicKey);
      const answer = await client.hello(device, workspace, exists ? {} : { register: [device.publicKey] });
      if (answer.type !== FrameType.Welcome) throw new Error(`hello refused: ${answer.code}`);
      return { client, device, workspace };
    },
    async cleanup() {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await Promise.all(relays.splice(0).map((r) => r.relay.close()));
    },
  };
  return h;
}
