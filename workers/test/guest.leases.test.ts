/**
 * Guest answering against a real relay in this process: a runner that claimed
 * a visitor's message and died leaves it to another runner once the lease runs
 * out; a live runner slower than the lease keeps its claim by renewing it (one
 * answer); and a guest turn is offered only the tools its link allows of those
 * the agent lists, so a call to any other tool runs nothing.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatGuestLink, loadCrypto, secret, type CryptoProvider } from '@tendril/crdt-schema/crypto';
import { claimant, GuestOwner, GuestVisit, pendingMessages, type ConversationFeed, type OwnerLinkKeys } from '@tendril/crdt-schema/guest';
import type { Agent, GuestLinkSettings } from '@tendril/crdt-schema/schema';
import { newGuestLinkId, toBase64Url } from '@tendril/crdt-schema/ids';
import { guestCodeVerifier } from '@tendril/crdt-schema/wire';
import { syncUrl, type WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { startRelay, type RunningRelay } from '@tendril/sync-server';
import { GuestAnswerer, type GuestAnswererDeps } from '../src/guest/guest-answerer.ts';
import type { LlmProvider, LlmRequest } from '../src/llm/index.ts';
import { NodeWebSocket } from '../src/peer/node-peer.ts';
import { ownerLinkKeys } from '../src/guest/link-keys.ts';
import { toolbox, type AgentTool } from '../src/tools/tool.ts';
import { eventually, tempDir } from './harness.ts';
import { makeWorkspace, type Workspace } from './peers.ts';

describe('guest answering: leases and tools', () => {
  const dir = tempDir('guest-leases');
  let relay: RunningRelay;
  let ws: Workspace;
  let crypto: CryptoProvider;
  const sessions: WorkspaceSession[] = [];

  beforeAll(async () => {
    relay = await startRelay({ dataDir: join(dir.path, 'relay'), port: 0 });
    ws = await makeWorkspace(dir.path, relay.url, 1);
    crypto = await loadCrypto();
    sessions.push(await ws.open(0), await ws.open(1));
  }, 60_000);
  afterAll(async () => {
    for (const s of sessions) await s.close();
    await relay?.close();
    dir.remove();
  });

  /** A registered link with its settings entry and the text a visitor opens. */
  async function newLink(tools: string[] = []): Promise<{ keys: OwnerLinkKeys; settings: GuestLinkSettings; link: string }> {
    const entry = { id: newGuestLinkId(), capSeed: toBase64Url(crypto.randomBytes(32)), boxSecret: toBase64Url(crypto.boxKeyPair().secretKey), secret: toBase64Url(crypto.randomBytes(32)) };
    const keys = ownerLinkKeys(crypto, entry);
    const settings = { ...entry, agent: 'agent-guest-test', relay: relay.url, code: '4417', expiresAt: 0, maxVisitors: 5, visitorPerMinute: 30, linkPerMinute: 100, dailyTokens: 0, tools, createdAt: 1, endedAt: 0 } as unknown as GuestLinkSettings;
    const owner = await connect(0);
    await owner.register(keys, { codeVerifier: guestCodeVerifier(keys.link, '4417'), expiresAt: 0, maxVisitors: 5, visitorPerMinute: 30, linkPerMinute: 100 });
    owner.close();
    const link = formatGuestLink({ relayHttpUrl: relay.url, linkId: keys.link, ownerBoxKey: keys.box.publicKey, secret: secret(keys.secret.expose()) }).expose();
    return { keys, settings, link };
  }

  const connect = (i: number): Promise<GuestOwner> =>
    GuestOwner.connect({ url: syncUrl(relay.url), WebSocket: NodeWebSocket, crypto, device: sessions[i]!.home.identity, workspace: sessions[i]!.home.config.workspace });

  async function runner(i: number, keys: OwnerLinkKeys, settings: GuestLinkSettings, extra: Partial<GuestAnswererDeps> & Pick<GuestAnswererDeps, 'chooseProvider'>): Promise<{ owner: GuestOwner; answerer: GuestAnswerer }> {
    const owner = await connect(i);
    const answerer = new GuestAnswerer({
      owner, me: sessions[i]!.home.identity.deviceId, linkEntry: () => settings, agent: () => undefined,
      workspacePrompt: () => undefined, now: () => Date.now(), log: () => undefined, ...extra,
    });
    await answerer.watch(keys);
    return { owner, answerer };
  }

  const replying = (text: string, onCall?: () => Promise<void>): LlmProvider => ({
    id: 'stub',
    async *stream() {
      await onCall?.();
      yield { type: 'text', text };
      yield { type: 'done', finishReason: 'stop' };
    },
  });

  it('answers a message whose claimant died after claiming it, once its lease runs out', async () => {
    const { keys, settings, link } = await newLink();
    // Runner A claims the visitor's message and dies before replying.
    const dying = await connect(0);
    const seen: ConversationFeed[] = [];
    dying.onChange((feed) => void (seen.includes(feed) || seen.push(feed)));
    await dying.watch(keys);
    const v = await GuestVisit.open(link, { crypto, WebSocket: NodeWebSocket, code: '4417' });
    const id = await v.send('are you there?');
    await eventually(() => seen.length === 1 && pendingMessages(seen[0]!.log).length === 1, 10_000, 'runner A to see the message');
    await seen[0]!.append({ t: 'claim', for: id, at: Date.now() });
    dying.close();

    // Runner B comes up while A's claim still holds, waits it out, and answers.
    const b = await runner(1, keys, settings, { leaseMs: 800, chooseProvider: () => ({ provider: replying('B here'), model: 'stub' }) });
    expect(await v.answer(id, 20_000)).toEqual({ kind: 'reply', text: 'B here' });
    v.close();
    b.answerer.stop();
    b.owner.close();
  }, 60_000);

  it('keeps the claim of a live runner slower than the lease: one answer', async () => {
    const { keys, settings, link } = await newLink();
    let calls = 0;
    let release = (): void => undefined;
    const released = new Promise<void>((r) => (release = r));
    // The first runner to call the model is held there for several leases.
    const slow = replying('slow but sure', async () => {
      if (++calls === 1) await released;
    });
    const leaseMs = 400;
    const a = await runner(0, keys, settings, { leaseMs, chooseProvider: () => ({ provider: slow, model: 'stub' }) });
    const b = await runner(1, keys, settings, { leaseMs, chooseProvider: () => ({ provider: slow, model: 'stub' }) });
    const v = await GuestVisit.open(link, { crypto, WebSocket: NodeWebSocket, code: '4417' });
    const id = await v.send('take your time');
    await eventually(() => calls === 1, 10_000, 'a runner to start answering');
    // Claims pile up as the holder renews them; wait out several leases before letting the model finish.
    const feedOf = (o: GuestOwner): ConversationFeed => [...o.feeds.values()][0]!;
    const claims = (): number => feedOf(a.owner).log.filter((e) => e.payload.t === 'claim').length;
    await eventually(() => claims() >= 8, 20_000, 'renewed claims');
    release();
    expect(await v.answer(id, 20_000)).toEqual({ kind: 'reply', text: 'slow but sure' });
    await eventually(() => feedOf(b.owner).log.some((e) => e.payload.t === 'reply'), 10_000, 'the reply at runner B');
    expect(calls).toBe(1);
    expect(feedOf(a.owner).log.filter((e) => e.payload.t === 'reply')).toHaveLength(1);
    // Both runners may claim at first; the renewals after that all come from the one that answered.
    const log = feedOf(a.owner).log;
    const replier = log.find((e) => e.payload.t === 'reply')!.author;
    expect(claimant(log, id, leaseMs)).toBe(replier);
    expect(new Set(log.filter((e) => e.payload.t === 'claim').slice(2).map((e) => e.author))).toEqual(new Set([replier]));
    v.close();
    for (const r of [a, b]) {
      r.answerer.stop();
      r.owner.close();
    }
  }, 60_000);

  describe('tools', () => {
    const agent: Agent = { id: 'agent-guest-test' as Agent['id'], name: 'Guide', description: '', systemPrompt: '', tools: ['search_workspace', 'web_fetch'], createdAt: 1 };
    const ran: string[] = [];
    const tool = (name: string, kind: AgentTool['kind']): AgentTool => ({
      spec: { name, parameters: { type: 'object', properties: {} } }, kind,
      async run() {
        ran.push(name);
        return `${name} ran`;
      },
    });
    const all = [tool('search_workspace', 'search' as AgentTool['kind']), tool('web_fetch', 'web' as AgentTool['kind'])];
    // What the runners' tool factories do: offer the tools the agent passed in lists (grants aside).
    const tools: GuestAnswererDeps['tools'] = (a) => {
      const offered = all.filter((t) => (a.tools as readonly string[]).includes(t.spec.name));
      return offered.length > 0 ? toolbox(offered) : undefined;
    };
    /** A model that calls `call` once, then answers with the tool names it was offered. */
    const caller = (call: string, offered: (string[] | undefined)[]): LlmProvider => ({
      id: 'stub',
      async *stream(req: LlmRequest) {
        offered.push(req.tools?.map((t) => t.name));
        const last = req.messages[req.messages.length - 1]!;
        if (last.role === 'user') {
          yield { type: 'tool_call', id: 'c1', name: call, arguments: '{}' };
          yield { type: 'done', finishReason: 'tool_calls' };
          return;
        }
        yield { type: 'text', text: 'done' };
        yield { type: 'done', finishReason: 'stop' };
      },
    });

    async function guestTurn(allowed: string[], call: string): Promise<(string[] | undefined)[]> {
      const { keys, settings, link } = await newLink(allowed);
      const offered: (string[] | undefined)[] = [];
      const r = await runner(0, keys, settings, { agent: () => agent, tools, chooseProvider: () => ({ provider: caller(call, offered), model: 'stub' }) });
      const v = await GuestVisit.open(link, { crypto, WebSocket: NodeWebSocket, code: '4417' });
      expect((await v.answer(await v.send('please look something up'), 20_000)).kind).toBe('reply');
      v.close();
      r.answerer.stop();
      r.owner.close();
      return offered;
    }

    it('offers no tool by default, even when the agent has some', async () => {
      ran.length = 0;
      const offered = await guestTurn([], 'search_workspace');
      expect(offered).toEqual([undefined]);
      expect(ran).toEqual([]);
    }, 60_000);

    it('offers only the tools the link allows; a call to another runs nothing', async () => {
      ran.length = 0;
      const refused = await guestTurn(['web_fetch'], 'search_workspace');
      expect(refused[0]).toEqual(['web_fetch']);
      expect(ran).toEqual([]);
      const allowed = await guestTurn(['web_fetch'], 'web_fetch');
      expect(allowed[0]).toEqual(['web_fetch']);
      expect(ran).toEqual(['web_fetch']);
    }, 60_000);
  });
});
