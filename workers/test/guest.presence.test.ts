/**
 * A runner's guest duty and what visitors are told (real relay in this
 * process, the link kept in the workspace's settings): a runner without a
 * model for the link's agent does not announce itself, so the visitor hears
 * the agent is away and its message waits; once the runner has a model
 * (rescan), the visitor hears the agent is there and the message is answered;
 * when the runner stops, the visitor hears it is away again.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto, type CryptoProvider } from '@tendril/crdt-schema/crypto';
import { GuestOwner, GuestVisit, guestLinkText, newGuestLinkEntry, registerGuestLink } from '@tendril/crdt-schema/guest';
import { newAgentId } from '@tendril/crdt-schema/ids';
import { syncUrl } from '@tendril/crdt-schema/workspace';
import { startRelay, type RunningRelay } from '@tendril/sync-server';
import { startGuestAnswering } from '../src/guest/worker-guests.ts';
import type { ChosenProvider } from '../src/agent/provider-setup.ts';
import type { LlmProvider } from '../src/llm/index.ts';
import { NodeWebSocket } from '../src/peer/node-peer.ts';
import { eventually, tempDir } from './harness.ts';
import { makeWorkspace, type Workspace } from './peers.ts';

describe('guest presence from a runner that can answer', () => {
  const dir = tempDir('guest-presence');
  let relay: RunningRelay;
  let ws: Workspace;
  let crypto: CryptoProvider;

  beforeAll(async () => {
    relay = await startRelay({ dataDir: join(dir.path, 'relay'), port: 0 });
    ws = await makeWorkspace(dir.path, relay.url, 0);
    crypto = await loadCrypto();
  }, 60_000);
  afterAll(async () => {
    await relay?.close();
    dir.remove();
  });

  it('says the agent is away until the runner has a model, then answers the waiting message', async () => {
    const session = await ws.open(0);
    const { settings } = await session.openSettings();
    const entry = newGuestLinkEntry(crypto, { agent: newAgentId(), relay: relay.url, code: '4417', expiresInMs: 0, maxVisitors: 5, dailyTokens: 0, now: Date.now() });
    const registrar = await GuestOwner.connect({ url: syncUrl(relay.url), WebSocket: NodeWebSocket, crypto, device: session.home.identity, workspace: session.home.config.workspace });
    await registerGuestLink(crypto, registrar, entry);
    registrar.close();
    settings.guests.put(entry);

    const provider: LlmProvider = {
      id: 'stub',
      async *stream() {
        yield { type: 'text', text: 'here now' };
        yield { type: 'done', finishReason: 'stop' };
      },
    };
    let model: ChosenProvider | null = null;
    const duty = await startGuestAnswering({ session, crypto, settings, WebSocket: NodeWebSocket, chooseProvider: () => model, now: () => Date.now(), log: () => undefined });

    const visit = await GuestVisit.open(guestLinkText(crypto, entry), { crypto, WebSocket: NodeWebSocket, code: '4417' });
    const heard: boolean[] = [];
    visit.onPresence((here) => heard.push(here));
    expect(visit.agentHere).toBe(false);
    const id = await visit.send('hello?');
    expect(visit.waiting()).toBe(true);

    model = { provider, model: 'stub' };
    duty.rescan();
    await eventually(() => heard.includes(true), 10_000, 'the agent to be there');
    expect(await visit.answer(id, 10_000)).toEqual({ kind: 'reply', text: 'here now' });
    expect(visit.waiting()).toBe(false);

    duty.stop();
    await eventually(() => heard.at(-1) === false, 10_000, 'the agent to be away again');
    expect(heard).toEqual([true, false]);
    visit.close();
    await session.close();
  }, 60_000);
});
