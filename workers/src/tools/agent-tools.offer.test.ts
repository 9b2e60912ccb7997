import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import type { DeviceId } from '@tendril/crdt-schema/ids';
import { permissionsDoc } from '@tendril/crdt-schema/schema';
import { AGENT_PLUGIN_ID } from '../plugins/builtin.ts';
import { memoryChatAccess } from '../plugins/chat-access.ts';
import { grantedAgentTools } from './agent-tools.ts';
import type { GatewayCommands } from './gateway-commands.ts';

const ME = 'A'.repeat(43) as DeviceId;
const LAPTOP = { session: 'S'.repeat(22), gateway: 'G'.repeat(43), gatewayName: 'laptop', title: 'build' };
const noGateway: GatewayCommands = { resolve: () => LAPTOP, available: () => [LAPTOP], run: () => Promise.reject(new Error('not used')) };

describe('tools offered to the agent', () => {
  it('offers only the tools the agent holds a live grant for, none when nothing is granted', () => {
    const permissions = permissionsDoc(new Y.Doc());
    const forTurn = grantedAgentTools({ permissions, device: ME, chats: memoryChatAccess({ device: ME }), gateway: noGateway });
    const names = () => forTurn()?.specs.map((s) => s.name);
    expect(names()).toBeUndefined();
    permissions.grants.decide({ plugin: AGENT_PLUGIN_ID, kind: 'read-chats', resource: '*' }, 'granted', ME);
    expect(names()).toEqual(['search_workspace']);
    permissions.grants.decide({ plugin: AGENT_PLUGIN_ID, kind: 'network', resource: 'example.com' }, 'denied', ME);
    expect(names()).toEqual(['search_workspace']);
    permissions.grants.decide({ plugin: AGENT_PLUGIN_ID, kind: 'gateway-session', resource: LAPTOP.session }, 'granted', ME);
    expect(names()).toEqual(['search_workspace', 'run_command']);
    expect(forTurn()?.specs.at(-1)?.description).toContain(`${LAPTOP.session} ("build" on laptop)`);
    permissions.grants.revoke({ plugin: AGENT_PLUGIN_ID, kind: 'read-chats', resource: '*' }, ME);
    expect(names()).toEqual(['run_command']);
  });
});
