/**
 * A worker finishes a reply another peer left unfinished (a tab closed
 * mid-reply, its lease lapsed): in place, from the text already written, the
 * model told to continue it, and the reply marked with who continued it.
 * Before, the worker marked it interrupted and answered again below.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { AgentWorker } from '../src/agent/agent-worker.ts';
import { createProvider } from '../src/agent/provider-setup.ts';
import { CONTINUE_NOTE } from '../src/agent/turn-ending.ts';
import { eventually, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { makeWorkspace } from './peers.ts';

describe('a worker and a reply left unfinished', () => {
  const dir = tempDir('continue');
  let relay: RelayProcess;
  let fake: FakeProvider;
  beforeAll(async () => {
    relay = await startRelayProcess(join(dir.path, 'relay'));
    fake = await startFakeProvider({ apiKey: 'sk-continue', fallback: { text: [' lived happily', ' ever after.'] } });
  }, 60_000);
  afterAll(async () => {
    await fake?.close();
    await relay?.kill();
    dir.remove();
  });

  it('finishes it in place from the text written, and says who continued', async () => {
    const ws = await makeWorkspace(dir.path, relay.url, 1);
    // The "tab": it claimed the turn, wrote part of the answer, and went away (its lease lapsed).
    const tab = await ws.open(0);
    const { chat } = await tab.openChat(ws.chat);
    const me = tab.home.identity.deviceId;
    const turn = chat.addMessage({ author: me, role: 'user', content: 'Tell me a story' });
    chat.claims.claim(turn, me, 1);
    const reply = chat.addMessage({ author: me, role: 'assistant', status: 'streaming', parent: turn, model: 'gpt-4o-mini' });
    chat.appendContent(reply, 'Once upon a time they');
    expect(await tab.syncOrQueue(10_000)).toBe('synced');

    const host = await ws.open(1);
    const { chat: seen } = await host.openChat(ws.chat);
    const provider = createProvider({ kind: 'openai', baseUrl: `${fake.url}/v1`, apiKey: 'sk-continue', model: 'gpt-4o-mini' });
    const worker = new AgentWorker({ session: host, name: 'w', chooseProvider: () => ({ provider, model: 'gpt-4o-mini' }), leaseMs: 600, settleMs: 50 });
    await worker.start();
    await eventually(() => seen.message(turn)?.status === 'done', 20_000, 'the turn to be finished');
    await worker.stop();
    const replies = seen.repliesTo(turn);
    expect(replies.map((m) => [m.id, m.status, m.content, m.continuedBy])).toEqual([[reply, 'done', 'Once upon a time they lived happily ever after.', host.home.identity.deviceId]]);
    // The model saw the partial answer and was told to continue it.
    const body = fake.requests.at(-1)!.body as { messages: { role: string; content: string }[] };
    expect(body.messages.slice(-2)).toEqual([{ role: 'assistant', content: 'Once upon a time they' }, { role: 'user', content: CONTINUE_NOTE }]);
    await host.close();
    await tab.close();
  });
});
