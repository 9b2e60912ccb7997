/** A tab offers the model workspace search, and only while the agent holds a read-chats grant; never web fetch or terminal commands. */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import type { DeviceId } from '@tendril/crdt-schema/ids';
import { AGENT_PLUGIN_ID, permissionsDoc } from '@tendril/crdt-schema/schema';
import { memoryChatAccess } from '../plugins/chat-access.ts';
import { pageAgentTools } from './page-tools.ts';

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
});
