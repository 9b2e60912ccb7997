/**
 * A tab offers the model workspace search while the agent holds a read-chats grant, and web fetch
 * through the relay's proxy while it holds a network grant; never terminal commands. The fetch
 * checks the network grant for the first host and every redirect target, and logs each access.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import type { DeviceId } from '@tendril/crdt-schema/ids';
import { AGENT_PLUGIN_ID, permissionsDoc } from '@tendril/crdt-schema/schema';
import { memoryChatAccess } from '../plugins/chat-access.ts';
import { pageAgentTools } from './page-tools.ts';
import { relayFetch } from './relay-fetch.ts';

const ME = 'A'.repeat(43) as DeviceId;

describe('tools a tab offers', () => {
  it('offers workspace search while it is granted, and it finds what the chats say', async () => {
    const permissions = permissionsDoc(new Y.Doc());
    const chats = memoryChatAccess({ device: ME });
    const entry = await chats.create('Trip');
    (await chats.open(entry.id)).addMessage({ author: ME, role: 'user', content: 'the ferry leaves at seven', status: 'done' });
    const forTurn = pageAgentTools({ permissions, device: ME, chats });
    expect(forTurn()).toBeUndefined();
    for (const kind of ['network', 'gateway-session'] as const) permissions.grants.decide({ plugin: AGENT_PLUGIN_ID, kind, resource: '*' }, 'granted', ME);
    expect(forTurn()).toBeUndefined();
    permissions.grants.decide({ plugin: AGENT_PLUGIN_ID, kind: 'read-chats', resource: '*' }, 'granted', ME);
    const box = forTurn()!;
    expect(box.specs.map((s) => s.name)).toEqual(['search_workspace']);
    const found = await box.execute({ id: 'c1', name: 'search_workspace', arguments: JSON.stringify({ query: 'ferry' }) }, new AbortController().signal);
    expect(found).toContain('the ferry leaves at seven');
    expect(permissions.activity.read().map((e) => `${e.plugin} ${e.permission} ${e.outcome}`)).toContain(`${AGENT_PLUGIN_ID} read-chats allowed`);
    permissions.grants.revoke({ plugin: AGENT_PLUGIN_ID, kind: 'read-chats', resource: '*' }, ME);
    expect(forTurn()).toBeUndefined();
  });

  it('offers web fetch only with a live network grant; a refused host, first or redirected to, is not fetched and is logged', async () => {
    const permissions = permissionsDoc(new Y.Doc());
    const chats = memoryChatAccess({ device: ME });
    // The relay as the tab sees it: each signed POST names one URL; it answers like /v1/proxy/fetch.
    const asked: string[] = [];
    const signedFetch: typeof fetch = (input, init) => {
      expect(String(input)).toBe('https://app.example/v1/proxy/fetch');
      const url = (JSON.parse(String(init?.body)) as { url: string }).url;
      asked.push(url);
      if (url === 'https://docs.example/moved') {
        return Promise.resolve(new Response(null, { status: 200, headers: { 'x-tendril-upstream-status': '302', 'x-tendril-upstream-location': 'https://evil.example/steal' } }));
      }
      return Promise.resolve(new Response('<title>Docs</title><p>the ferry leaves at seven</p>', { status: 200, headers: { 'x-tendril-upstream-status': '200', 'content-type': 'text/html' } }));
    };
    const forTurn = pageAgentTools({ permissions, device: ME, chats, fetch: relayFetch({ relay: 'https://app.example', signedFetch }) });
    const run = (url: string) => forTurn()!.execute({ id: 'c', name: 'web_fetch', arguments: JSON.stringify({ url }) }, new AbortController().signal);
    expect(forTurn()).toBeUndefined();
    permissions.grants.decide({ plugin: AGENT_PLUGIN_ID, kind: 'network', resource: 'docs.example' }, 'granted', ME);
    expect(forTurn()!.specs.map((s) => s.name)).toEqual(['web_fetch']);

    const page = await run('https://docs.example/ferry');
    expect(page).toContain('Status: 200');
    expect(page).toContain('the ferry leaves at seven');
    expect(await run('https://evil.example/')).toMatch(/denied|not allowed|permission/i);
    expect(await run('https://docs.example/moved')).toMatch(/denied|not allowed|permission/i);
    expect(asked).toEqual(['https://docs.example/ferry', 'https://docs.example/moved']);
    const log = permissions.activity.read().filter((e) => e.permission === 'network').map((e) => `${e.resource} ${e.outcome}`);
    expect(log).toEqual(['docs.example allowed', 'evil.example denied', 'evil.example denied']);

    permissions.grants.revoke({ plugin: AGENT_PLUGIN_ID, kind: 'network', resource: 'docs.example' }, ME);
    expect(forTurn()).toBeUndefined();
  });
});
