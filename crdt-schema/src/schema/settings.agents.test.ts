import { describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import type { AgentId, ChatId, DeviceId } from '../ids.ts';
import { docsWithClients, syncDocs } from '../testkit/sync-docs.ts';
import { chatDoc } from './chat.ts';
import { describeRoute } from './chat-message.ts';
import { GENERAL_AGENT_ID } from './settings-agents.ts';
import { parseProviderId } from './settings-providers.ts';
import { settingsDoc } from './settings.ts';

const ME = 'A'.repeat(43) as DeviceId;
let clock = 1000;
const now = (): number => ++clock;

describe('agents in the settings document', () => {
  it('has the built-in general assistant until an agent is stored, and keeps it after', () => {
    const s = settingsDoc(docsWithClients(1)[0]!, { now });
    expect(s.agents.list().map((a) => [a.id, a.name, a.builtIn])).toEqual([[GENERAL_AGENT_ID, 'Assistant', true]]);
    expect(s.defaultAgent().id).toBe(GENERAL_AGENT_ID);
    const coder = s.agents.addPreset('coder', ME);
    expect(s.agents.list().map((a) => a.name)).toEqual(['Assistant', 'Coder']);
    expect(s.agents.get(GENERAL_AGENT_ID)?.builtIn).toBeUndefined();
    expect(coder).toMatchObject({ name: 'Coder', preset: 'coder', tools: ['run_command', 'search_workspace'], createdBy: ME });
    expect(s.defaultAgent().id).toBe(GENERAL_AGENT_ID);
  });

  it('keeps names unique without regard to case and checks every field', () => {
    const s = settingsDoc(docsWithClients(1)[0]!, { now });
    s.agents.add({ name: 'Helper', description: 'helps' });
    expect(() => s.agents.add({ name: 'helper' })).toThrow(/an agent named Helper exists/);
    expect(() => s.agents.add({ name: 'assistant' })).toThrow(/exists/);
    expect(() => s.agents.add({ name: 'two words' })).toThrow(/agent name/);
    expect(() => s.agents.add({ name: 'X', tools: ['rm_rf'] })).toThrow(/tool must be one of/);
    expect(() => s.agents.add({ name: 'Y', provider: parseProviderId('openai') })).toThrow(/set together/);
    expect(s.agents.byName('HELPER')?.description).toBe('helps');
    const r = s.agents.addPreset('researcher');
    expect(() => s.agents.update(r.id, { name: 'Helper' })).toThrow(/exists/);
    const edited = s.agents.update(r.id, { name: 'Scout', provider: parseProviderId('openai'), model: 'small', tools: ['web_fetch'] });
    expect(edited).toMatchObject({ name: 'Scout', provider: 'openai', model: 'small', tools: ['web_fetch'] });
    expect(s.agents.update(r.id, { model: null }).model).toBeUndefined();
  });

  it('refuses to remove the last agent unless forced; then the built-in assistant is back', () => {
    const s = settingsDoc(docsWithClients(1)[0]!, { now });
    const helper = s.agents.add({ name: 'Helper' });
    s.agents.remove(GENERAL_AGENT_ID);
    expect(() => s.agents.remove(helper.id)).toThrow(/last agent/);
    s.agents.remove(helper.id, { force: true });
    expect(s.agents.list().map((a) => [a.name, a.builtIn])).toEqual([['Assistant', true]]);
    expect(() => s.agents.remove(GENERAL_AGENT_ID, { force: true })).toThrow(/only agent/);
  });

  it('edits the built-in assistant by storing it first', () => {
    const s = settingsDoc(docsWithClients(1)[0]!, { now });
    s.agents.update(GENERAL_AGENT_ID, { systemPrompt: 'Be brief.' });
    expect(s.agents.list()).toMatchObject([{ id: GENERAL_AGENT_ID, systemPrompt: 'Be brief.' }]);
    expect(s.agents.list()[0]!.builtIn).toBeUndefined();
  });

  it('resolves a name two devices added at once to the older entry', () => {
    const [a, b] = docsWithClients(2);
    const sa = settingsDoc(a!, { now });
    const sb = settingsDoc(b!, { now });
    sa.agents.add({ name: 'Twin', description: 'first' });
    sb.agents.add({ name: 'twin', description: 'second' });
    syncDocs(a!, b!);
    expect(sa.agents.byName('TWIN')?.description).toBe('first');
    expect(sb.agents.byName('twin')?.description).toBe('first');
  });

  it('routes new chats by the workspace default and the router model is its own setting', () => {
    const s = settingsDoc(docsWithClients(1)[0]!, { now });
    expect(s.newChatTarget()).toBe(GENERAL_AGENT_ID);
    s.setNewChatTarget('auto');
    expect(s.newChatTarget()).toBe('auto');
    const coder = s.agents.addPreset('coder');
    s.setNewChatTarget(coder.id);
    s.setDefaultAgent(coder.id);
    expect(s.defaultAgent().id).toBe(coder.id);
    s.agents.remove(coder.id);
    expect(s.newChatTarget()).toBe(GENERAL_AGENT_ID);
    expect(s.defaultAgent().id).toBe(GENERAL_AGENT_ID);
    expect(() => s.setNewChatTarget('nope' as AgentId)).toThrow(/AgentId/);
    s.setRouterModel({ provider: parseProviderId('local'), model: 'tiny' });
    expect(s.toJSON()).toMatchObject({ routerModel: { provider: 'local', model: 'tiny' }, newChatTarget: GENERAL_AGENT_ID });
  });
});

describe('chat target, reply agent and route note', () => {
  it('stores them and reads malformed values as absent', () => {
    const doc = docsWithClients(1)[0]!;
    const chat = chatDoc(doc, { now });
    chat.init({ chatId: 'c'.repeat(22) as ChatId, target: 'auto' });
    expect(chat.target()).toBe('auto');
    const turn = chat.addMessage({ author: ME, role: 'user', content: 'run the tests' });
    const reply = chat.addMessage({ author: ME, role: 'assistant', parent: turn });
    chat.setAgent(reply, { id: GENERAL_AGENT_ID, name: 'Assistant' });
    chat.setRoute(reply, { agent: GENERAL_AGENT_ID, name: 'Assistant', via: 'router', reason: 'asks to run the tests', model: 'tiny', usage: { inputTokens: 40, outputTokens: 9, costUsd: 0 } });
    const m = chat.message(reply)!;
    expect(m.agent).toEqual({ id: GENERAL_AGENT_ID, name: 'Assistant' });
    expect(describeRoute(m.route!)).toBe('routed to Assistant: asks to run the tests');
    expect(m.route?.usage).toEqual({ inputTokens: 40, outputTokens: 9, costUsd: 0 });
    expect(() => chat.setTarget('x' as AgentId)).toThrow(/AgentId/);
    expect(() => chat.setAgent(reply, { id: 'auto' as AgentId, name: 'A' })).toThrow(/AgentId/);
    // Another peer's garbage is read as absent, never as an agent.
    doc.transact(() => {
      const entry = doc.getMap<unknown>('messages').get(reply) as Y.Map<unknown>;
      entry.set('agent', { id: 42, name: 'X' });
      entry.set('route', { agent: GENERAL_AGENT_ID, name: 'A', via: 'guess' });
      doc.getMap<unknown>('chat').set('target', 'nobody');
    });
    expect(chat.message(reply)?.agent).toBeUndefined();
    expect(chat.message(reply)?.route).toBeUndefined();
    expect(chat.target()).toBeUndefined();
  });
});
