/**
 * A worker claims turns only from a chat caught up with the relay. Its stored
 * copy of a chat may be behind (just opened, or offline) and not show the
 * claim a tab or another worker holds; a claim written on that copy can win
 * when the copies merge, and the turn would be answered twice. Here the
 * worker's device is offline with a pending turn in its store: it claims
 * nothing and asks no provider, and once the relay is reachable it answers.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { AgentWorker } from '../src/agent/agent-worker.ts';
import { createProvider } from '../src/agent/provider-setup.ts';
import { eventually, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { makeWorkspace } from './peers.ts';

describe('a worker and a chat that is not caught up', () => {
  const dir = tempDir('caught-up');
  let relay: RelayProcess;
  let fake: FakeProvider;
  beforeAll(async () => {
    relay = await startRelayProcess(join(dir.path, 'relay'));
    fake = await startFakeProvider({ apiKey: 'sk-caught-up', fallback: { text: ['Answered ', 'once.'] } });
  }, 60_000);
  afterAll(async () => {
    await fake?.close();
    await relay?.kill();
    dir.remove();
  });

  it('claims nothing while offline, and answers once the chat is caught up', async () => {
    const ws = await makeWorkspace(dir.path, relay.url, 1);
    // A pending turn reaches the worker's device, which then goes offline with it in its store.
    const user = await ws.open(0);
    const { chat } = await user.openChat(ws.chat);
    const turnId = chat.addMessage({ author: user.home.identity.deviceId, role: 'user', content: 'hello?' });
    expect(await user.syncOrQueue(10_000)).toBe('synced');
    await user.close();
    const online = await ws.open(1);
    await online.openChat(ws.chat);
    expect(await online.syncOrQueue(10_000)).toBe('synced');
    await online.close();

    const offline = await ws.open(1, { relay: 'http://127.0.0.1:9' });
    const { chat: stored } = await offline.openChat(ws.chat);
    expect(stored.pendingTurns().map((m) => m.id)).toEqual([turnId]);
    const provider = createProvider({ kind: 'openai', baseUrl: `${fake.url}/v1`, apiKey: 'sk-caught-up', model: 'gpt-4o-mini' });
    const worker = new AgentWorker({ session: offline, name: 'offline', chooseProvider: () => ({ provider, model: 'gpt-4o-mini' }), leaseMs: 600, settleMs: 50 });
    await worker.start();
    // Several scans (every lease/3) happen in this window; none may claim or call the provider.
    const until = Date.now() + 2_000;
    await eventually(() => Date.now() >= until || stored.claims.isClaimed(turnId) || fake.requests.length > 0, 10_000, 'the observation window');
    expect(stored.claims.isClaimed(turnId)).toBe(false);
    expect(fake.requests).toHaveLength(0);
    await worker.stop();
    await offline.close();

    // Back online, the same worker answers the turn, once.
    const back = await ws.open(1);
    const { chat: caughtUp } = await back.openChat(ws.chat);
    const again = new AgentWorker({ session: back, name: 'online', chooseProvider: () => ({ provider, model: 'gpt-4o-mini' }), leaseMs: 600, settleMs: 50 });
    await again.start();
    await eventually(() => caughtUp.transcript().some((m) => m.role === 'assistant' && m.status === 'done'), 20_000, 'the answer');
    expect(caughtUp.transcript().filter((m) => m.role === 'assistant').map((m) => m.content)).toEqual(['Answered once.']);
    await again.stop();
    await back.close();
  });
});
