import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { newSessionId, type DeviceId, type PluginId } from '@tendril/crdt-schema/ids';
import { permissionsDoc } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { agentMayRun, agentTarget, followSessionGrant } from './session-access.ts';

const ME = 'laptop' as DeviceId;
const OTHER_PLUGIN = 'notes-plugin-abcdefghi' as PluginId;

describe('agentMayRun', () => {
  it('is true only for a live grant of the agent on that session', () => {
    const id = newSessionId();
    const perms = permissionsDoc(new Y.Doc());
    expect(agentMayRun(perms.grants.list(), id)).toBe(false);
    perms.grants.decide({ plugin: OTHER_PLUGIN, kind: 'gateway-session', resource: id }, 'granted', ME);
    perms.grants.decide({ ...agentTarget(id), resource: newSessionId() }, 'granted', ME);
    expect(agentMayRun(perms.grants.list(), id)).toBe(false);
    perms.grants.decide(agentTarget(id), 'denied', ME);
    expect(agentMayRun(perms.grants.list(), id)).toBe(false);
    perms.grants.decide(agentTarget(id), 'granted', ME);
    expect(agentMayRun(perms.grants.list(), id)).toBe(true);
    perms.grants.revoke(agentTarget(id), ME);
    expect(agentMayRun(perms.grants.list(), id)).toBe(false);
  });
});

describe('followSessionGrant', () => {
  it('leaves grants alone that name no session of the workspace', async () => {
    const known = newSessionId();
    const session = { workspace: () => ({ sessions: { list: () => [{ id: known }] } }) } as unknown as WorkspaceSession;
    const perms = permissionsDoc(new Y.Doc());
    const crypto = {} as CryptoProvider;
    expect(await followSessionGrant(crypto, session, perms, { kind: 'read-chats', resource: known })).toBeNull();
    expect(await followSessionGrant(crypto, session, perms, { kind: 'gateway-session', resource: '*' })).toBeNull();
    expect(await followSessionGrant(crypto, session, perms, { kind: 'gateway-session', resource: newSessionId() })).toBeNull();
  });
});
