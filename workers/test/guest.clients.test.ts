/**
 * The guest clients against a real relay in this process: the owner registers
 * a link and watches it, a visitor is refused with a wrong code and admitted
 * with the right one, its message reaches the owner's feed opened, the owner's
 * claim and reply reach the visitor, and a second visitor sees none of it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatGuestLink, loadCrypto, secret, type CryptoProvider } from '@tendril/crdt-schema/crypto';
import { GuestOwner, GuestVisit, pendingMessages, type ConversationFeed } from '@tendril/crdt-schema/guest';
import type { GuestLinkSettings } from '@tendril/crdt-schema/schema';
import { GuestAnswerer } from '../src/guest/guest-answerer.ts';
import type { LlmProvider } from '../src/llm/index.ts';
import { newGuestLinkId, toBase64Url } from '@tendril/crdt-schema/ids';
import { guestCodeVerifier } from '@tendril/crdt-schema/wire';
import { syncUrl } from '@tendril/crdt-schema/workspace';
import { startRelay, type RunningRelay } from '@tendril/sync-server';
import { NodeWebSocket } from '../src/peer/node-peer.ts';
import { ownerLinkKeys } from '../src/guest/link-keys.ts';
import { eventually, tempDir } from './harness.ts';
import { makeWorkspace, type Workspace } from './peers.ts';

describe('guest clients', () => {
  const dir = tempDir('guest-clients');
  let relay: RunningRelay;
  let ws: Workspace;
  let crypto: CryptoProvider;

  beforeAll(async () => {
    relay = await startRelay({ dataDir: join(dir.path, 'relay'), port: 0 });
    ws = await makeWorkspace(dir.path, relay.url, 1);
    crypto = await loadCrypto();
  }, 60_000);
  afterAll(async () => {
    await relay?.close();
    dir.remove();
  });

  it('carries a visitor message to the owner and the reply back, to that visitor only', async () => {
    const session = await ws.open(0);
    const keys = ownerLinkKeys(crypto, { id: newGuestLinkId(), capSeed: toBase64Url(crypto.randomBytes(32)), boxSecret: toBase64Url(crypto.boxKeyPair().secretKey), secret: toBase64Url(crypto.randomBytes(32)) });
    const owner = await GuestOwner.connect({ url: syncUrl(relay.url), WebSocket: NodeWebSocket, crypto, device: session.home.identity, workspace: session.home.config.workspace });
    await owner.register(keys, { codeVerifier: guestCodeVerifier(keys.link, '4417'), expiresAt: 0, maxVisitors: 5, visitorPerMinute: 10, linkPerMinute: 100 });
    await owner.watch(keys);
    const feeds: ConversationFeed[] = [];
    owner.onChange((feed) => void (feeds.includes(feed) || feeds.push(feed)));
    const link = formatGuestLink({ relayHttpUrl: relay.url, linkId: keys.link, ownerBoxKey: keys.box.publicKey, secret: secret(keys.secret.expose()) }).expose();

    await expect(GuestVisit.open(link, { crypto, WebSocket: NodeWebSocket, code: '0000' })).rejects.toMatchObject({ code: 'E_GUEST_CODE' });
    const a = await GuestVisit.open(link, { crypto, WebSocket: NodeWebSocket, code: '4417' });
    const id = await a.send('hello from A');
    await eventually(() => feeds.length === 1 && pendingMessages(feeds[0]!.log).length === 1, 10_000, 'the owner to see the message');
    const feed = feeds[0]!;
    expect(pendingMessages(feed.log)[0]).toMatchObject({ id, text: 'hello from A' });
    await feed.append({ t: 'claim', for: id, at: 1 });
    await feed.append({ t: 'reply', for: id, text: 'hi A', at: 2, tokens: 3 });
    expect(await a.answer(id, 10_000)).toEqual({ kind: 'reply', text: 'hi A' });

    const b = await GuestVisit.open(link, { crypto, WebSocket: NodeWebSocket, code: '4417' });
    expect(b.turns()).toEqual([]);
    // A comes back from its kept state, without the code, and sees its conversation.
    a.close();
    const again = await GuestVisit.open(link, { crypto, WebSocket: NodeWebSocket, state: a.state });
    expect(again.turns().map((t) => t.text)).toEqual(['hello from A', 'hi A']);
    again.close();
    b.close();
    owner.close();
    await session.close();
  }, 60_000);

  it('answers each visitor message once across two runners of the owner', async () => {
    const session = await ws.open(0);
    const entry = { id: newGuestLinkId(), capSeed: toBase64Url(crypto.randomBytes(32)), boxSecret: toBase64Url(crypto.boxKeyPair().secretKey), secret: toBase64Url(crypto.randomBytes(32)) };
    const keys = ownerLinkKeys(crypto, entry);
    const settings = { ...entry, agent: 'agent-builtin-tools-v1', relay: relay.url, code: '4417', expiresAt: 0, maxVisitors: 5, visitorPerMinute: 30, linkPerMinute: 100, dailyTokens: 0, tools: [], createdAt: 1, endedAt: 0 } as unknown as GuestLinkSettings;
    let calls = 0;
    const provider: LlmProvider = {
      id: 'stub',
      async *stream() {
        calls++;
        yield { type: 'text', text: `answer ${calls}` };
        // A pause after the first piece, so the live text reaches the visitor before the reply does.
        await new Promise((r) => setTimeout(r, 100));
        yield { type: 'text', text: '.' };
        yield { type: 'done', finishReason: 'stop' };
      },
    };
    const runners: GuestOwner[] = [];
    const sessions = [session];
    for (let i = 0; i < 2; i++) {
      const other = i === 0 ? session : await ws.open(1);
      if (i > 0) sessions.push(other);
      const owner = await GuestOwner.connect({ url: syncUrl(relay.url), WebSocket: NodeWebSocket, crypto, device: other.home.identity, workspace: other.home.config.workspace });
      if (i === 0) await owner.register(keys, { codeVerifier: guestCodeVerifier(keys.link, '4417'), expiresAt: 0, maxVisitors: 5, visitorPerMinute: 30, linkPerMinute: 100 });
      const answerer = new GuestAnswerer({
        owner, me: other.home.identity.deviceId, linkEntry: () => settings, agent: () => undefined,
        chooseProvider: () => ({ provider, model: 'stub' }), workspacePrompt: () => undefined, now: () => Date.now(), log: () => undefined,
      });
      await answerer.watch(keys);
      runners.push(owner);
    }
    const link = formatGuestLink({ relayHttpUrl: relay.url, linkId: keys.link, ownerBoxKey: keys.box.publicKey, secret: secret(keys.secret.expose()) }).expose();
    const v = await GuestVisit.open(link, { crypto, WebSocket: NodeWebSocket, code: '4417' });
    const live: string[] = [];
    v.onLive((l) => live.push(l.text));
    for (const text of ['one', 'two', 'three']) {
      const id = await v.send(text);
      expect((await v.answer(id, 10_000)).kind).toBe('reply');
    }
    await eventually(() => v.turns().length === 6, 10_000, 'three answers');
    expect(v.turns().map((t) => t.role)).toEqual(['visitor', 'agent', 'visitor', 'agent', 'visitor', 'agent']);
    expect(calls).toBe(3);
    expect(v.turns().filter((t) => t.role === 'agent').map((t) => t.text)).toEqual(['answer 1.', 'answer 2.', 'answer 3.']);
    expect(live).toEqual(['answer 1', 'answer 1.', 'answer 2', 'answer 2.', 'answer 3', 'answer 3.']);
    v.close();
    for (const r of runners) r.close();
    for (const s of sessions) await s.close();
  }, 60_000);

  it("refuses a visitor past the day's token budget, and answers again the next day", async () => {
    const session = await ws.open(0);
    const entry = { id: newGuestLinkId(), capSeed: toBase64Url(crypto.randomBytes(32)), boxSecret: toBase64Url(crypto.boxKeyPair().secretKey), secret: toBase64Url(crypto.randomBytes(32)) };
    const keys = ownerLinkKeys(crypto, entry);
    const settings = { ...entry, agent: 'agent-builtin-tools-v1', relay: relay.url, code: '4417', expiresAt: 0, maxVisitors: 5, visitorPerMinute: 30, linkPerMinute: 100, dailyTokens: 15, tools: [], createdAt: 1, endedAt: 0 } as unknown as GuestLinkSettings;
    const provider: LlmProvider = {
      id: 'stub',
      async *stream() {
        yield { type: 'text', text: 'ok' };
        yield { type: 'usage', inputTokens: 8, outputTokens: 2 };
        yield { type: 'done', finishReason: 'stop' };
      },
    };
    let now = Date.UTC(2026, 11, 7, 12);
    const owner = await GuestOwner.connect({ url: syncUrl(relay.url), WebSocket: NodeWebSocket, crypto, device: session.home.identity, workspace: session.home.config.workspace });
    await owner.register(keys, { codeVerifier: guestCodeVerifier(keys.link, '4417'), expiresAt: 0, maxVisitors: 5, visitorPerMinute: 30, linkPerMinute: 100 });
    const answerer = new GuestAnswerer({
      owner, me: session.home.identity.deviceId, linkEntry: () => settings, agent: () => undefined,
      chooseProvider: () => ({ provider, model: 'stub' }), workspacePrompt: () => undefined, now: () => now, log: () => undefined,
    });
    await answerer.watch(keys);
    const link = formatGuestLink({ relayHttpUrl: relay.url, linkId: keys.link, ownerBoxKey: keys.box.publicKey, secret: secret(keys.secret.expose()) }).expose();
    const v = await GuestVisit.open(link, { crypto, WebSocket: NodeWebSocket, code: '4417' });
    const ask = async (text: string) => v.answer(await v.send(text, now), 10_000);
    expect(await ask('one')).toEqual({ kind: 'reply', text: 'ok' });
    expect(await ask('two')).toEqual({ kind: 'reply', text: 'ok' });
    expect(await ask('three')).toMatchObject({ kind: 'refusal', text: expect.stringMatching(/daily limit/) });
    now += 86_400_000;
    expect(await ask('four')).toEqual({ kind: 'reply', text: 'ok' });
    v.close();
    owner.close();
    await session.close();
  }, 60_000);
});
