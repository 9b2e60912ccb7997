import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import type { DeviceId, PluginId } from '@tendril/crdt-schema/ids';
import { permissionsDoc } from '@tendril/crdt-schema/schema';
import { candidates, createAccessGate, isAccessDenied } from './access-gate.ts';

const ME = 'A'.repeat(43) as DeviceId;
const P = 'gate-test-plugin-00001' as PluginId;

function setup() {
  const permissions = permissionsDoc(new Y.Doc(), { now: () => 1000 });
  const gate = createAccessGate({ permissions, device: ME, plugin: P, now: () => 2000 });
  const grant = (kind: Parameters<typeof gate.decide>[0], resource: string, decision: 'granted' | 'denied' = 'granted') =>
    permissions.grants.decide({ plugin: P, kind, resource }, decision, ME);
  return { permissions, gate, grant };
}

describe('access gate', () => {
  it('lists the resources whose decisions apply, most specific first', () => {
    expect(candidates('read-folder', '/home/me/notes/a.md')).toEqual(['/home/me/notes/a.md', '/home/me/notes', '/home/me', '/home', '/', '*']);
    expect(candidates('network', 'api.example.com:8443')).toEqual(['api.example.com:8443', 'api.example.com', '*.example.com', '*']);
    expect(candidates('read-chats', 'abc')).toEqual(['abc', '*']);
    expect(candidates('network', 'model')).toEqual(['model', '*']);
  });

  it('lets a folder grant cover files below it, and a denial on a subfolder win', () => {
    const { gate, grant } = setup();
    expect(gate.decide('read-folder', '/home/me/notes/a.md').allowed).toBe(false);
    grant('read-folder', '/home/me/notes');
    grant('read-folder', '/home/me/notes/private', 'denied');
    expect(gate.decide('read-folder', '/home/me/notes/a.md')).toEqual({ allowed: true, by: '/home/me/notes' });
    expect(gate.decide('read-folder', '/home/me/notes/private/key.txt')).toEqual({ allowed: false, by: '/home/me/notes/private' });
    expect(gate.decide('read-folder', '/home/me/notes-old/a.md').allowed).toBe(false);
    expect(gate.decide('read-folder', '/home/me').allowed).toBe(false);
  });

  it('stops allowing the moment a grant is revoked', () => {
    const { permissions, gate, grant } = setup();
    grant('network', 'example.com');
    expect(gate.decide('network', 'example.com').allowed).toBe(true);
    permissions.grants.revoke({ plugin: P, kind: 'network', resource: 'example.com' }, ME);
    expect(gate.decide('network', 'example.com').allowed).toBe(false);
  });

  it('matches subdomains only through a *.domain grant, and never other plugins\' grants', () => {
    const { permissions, gate, grant } = setup();
    grant('network', 'example.com');
    expect(gate.decide('network', 'api.example.com').allowed).toBe(false);
    grant('network', '*.example.com');
    expect(gate.decide('network', 'api.example.com').allowed).toBe(true);
    expect(gate.decide('network', 'example.org').allowed).toBe(false);
    permissions.grants.decide({ plugin: 'other-plugin-000000001' as PluginId, kind: 'read-chats', resource: '*' }, 'granted', ME);
    expect(gate.decide('read-chats', 'x').allowed).toBe(false);
  });

  it('logs allowed, denied and error outcomes with time, resource and detail', async () => {
    const { permissions, gate, grant } = setup();
    grant('read-chats', '*');
    await expect(gate.guard('network', 'evil.test', async () => 'x', undefined, 'GET /')).rejects.toSatisfy(isAccessDenied);
    expect(await gate.guard('read-chats', 'c1', async () => 3, (n) => `read ${n}`)).toBe(3);
    await expect(gate.guard('read-chats', 'c2', async () => {
      throw new Error('disk on fire');
    })).rejects.toThrow('disk on fire');
    const log = permissions.activity.read({ plugin: P }).map(({ permission, resource, outcome, detail, at, device }) => ({ permission, resource, outcome, detail, at, device }));
    expect(log).toEqual([
      { permission: 'network', resource: 'evil.test', outcome: 'denied', detail: 'GET /', at: 2000, device: ME },
      { permission: 'read-chats', resource: 'c1', outcome: 'allowed', detail: 'read 3', at: 2000, device: ME },
      { permission: 'read-chats', resource: 'c2', outcome: 'error', detail: 'disk on fire', at: 2000, device: ME },
    ]);
  });

  it('reports the live granted resources of a kind', () => {
    const { permissions, gate, grant } = setup();
    grant('read-folder', '/a');
    grant('read-folder', '/b');
    grant('read-folder', '/c', 'denied');
    permissions.grants.revoke({ plugin: P, kind: 'read-folder', resource: '/b' }, ME);
    expect(gate.granted('read-folder')).toEqual(['/a']);
  });
});
