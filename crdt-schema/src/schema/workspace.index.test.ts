import { describe, expect, it } from 'vitest';
import { keyEpoch, type DeviceId, type DocId, type WorkspaceId } from '../ids.ts';
import { docsWithClients, syncDocs } from '../testkit/sync-docs.ts';
import { workspaceDoc } from './workspace.ts';

const GATEWAY = 'G'.repeat(43) as DeviceId;
const WORKER = 'W'.repeat(43) as DeviceId;
const PHONE = 'P'.repeat(43) as DeviceId;
const WS = 'WWWWWWWWWWWWWWWWWWWWWW' as WorkspaceId;
const DOC = 'DDDDDDDDDDDDDDDDDDDDDD' as DocId;

describe('workspace index', () => {
  it('stamps the workspace once and renames it', () => {
    const ws = workspaceDoc(docsWithClients(1)[0]!, { now: () => 7 });
    expect(ws.init({ id: WS, name: 'Home', createdBy: PHONE })).toEqual({ id: WS, name: 'Home', createdAt: 7, createdBy: PHONE });
    ws.rename('Work');
    expect(ws.init({ id: WS, name: 'Work' }).name).toBe('Work');
    expect(() => ws.init({ id: 'XXXXXXXXXXXXXXXXXXXXXX' as WorkspaceId, name: 'Other' })).toThrow(/belongs to workspace/);
  });

  it('tracks a terminal session from request to end', () => {
    let t = 1;
    const ws = workspaceDoc(docsWithClients(1)[0]!, { now: () => t });
    const s = ws.sessions.create({ gateway: GATEWAY, title: 'build', requestedBy: PHONE });
    expect(s).toMatchObject({ state: 'requested', gateway: GATEWAY, requestedBy: PHONE, createdAt: 1 });
    t = 5;
    ws.sessions.setState(s.id, 'running');
    ws.sessions.rename(s.id, 'build 2');
    expect(ws.sessions.get(s.id)).toMatchObject({ state: 'running', title: 'build 2', updatedAt: 5 });
    expect(() => ws.sessions.setState(s.id, 'paused' as never)).toThrow(/state/);
    expect(ws.sessions.list().map((x) => x.id)).toEqual([s.id]);
  });

  it('keeps what gateways and workers store about themselves, and writes it only when it changed', () => {
    const [doc] = docsWithClients(1);
    const ws = workspaceDoc(doc!, { now: () => 10 });
    let updates = 0;
    doc!.on('update', () => updates++);
    expect(ws.gateways.announce(GATEWAY, { name: 'laptop', host: 'laptop.local', version: '0.1.0' })).toBe(true);
    expect(ws.workers.announce(WORKER, { name: 'agent', host: 'srv', version: '0.1.0' })).toBe(true);
    expect(updates).toBe(2);
    // A restart with the same values writes nothing; a new version writes once.
    expect(ws.gateways.announce(GATEWAY, { name: 'laptop', host: 'laptop.local', version: '0.1.0' })).toBe(false);
    expect(updates).toBe(2);
    expect(ws.gateways.announce(GATEWAY, { name: 'laptop', host: 'laptop.local', version: '0.2.0' })).toBe(true);
    expect(updates).toBe(3);
    expect(ws.gateways.list()).toEqual([{ device: GATEWAY, name: 'laptop', host: 'laptop.local', version: '0.2.0' }]);
    expect(() => ws.workers.announce(WORKER, { name: '', host: 'b', version: 'c' })).toThrow(/name/);
    ws.workers.withdraw(WORKER);
    expect(ws.workers.list()).toEqual([]);
  });

  it('still reads records of older peers (with health and lastSeen), and replaces one once with the static record', () => {
    const [doc] = docsWithClients(1);
    const ws = workspaceDoc(doc!, { now: () => 10 });
    doc!.getMap('gateways').set(GATEWAY, { name: 'laptop', host: 'laptop.local', version: '0.1.0', health: { status: 'degraded', queued: 3, detail: 'slow' }, lastSeen: 9 });
    expect(ws.gateways.get(GATEWAY)).toEqual({ device: GATEWAY, name: 'laptop', host: 'laptop.local', version: '0.1.0', health: { status: 'degraded', queued: 3, detail: 'slow' }, lastSeen: 9 });
    expect(ws.gateways.announce(GATEWAY, { name: 'laptop', host: 'laptop.local', version: '0.1.0' })).toBe(true);
    expect(ws.gateways.announce(GATEWAY, { name: 'laptop', host: 'laptop.local', version: '0.1.0' })).toBe(false);
    expect(ws.gateways.get(GATEWAY)).toEqual({ device: GATEWAY, name: 'laptop', host: 'laptop.local', version: '0.1.0' });
  });

  it('stores opaque lockboxes per document, epoch and device', () => {
    const ws = workspaceDoc(docsWithClients(1)[0]!);
    const sealed = new Uint8Array([1, 2, 3]);
    ws.lockboxes.put(DOC, keyEpoch(0), PHONE, sealed);
    ws.lockboxes.put(DOC, keyEpoch(1), PHONE, new Uint8Array([4]));
    ws.lockboxes.put(DOC, keyEpoch(1), GATEWAY, new Uint8Array([5]));
    expect(ws.lockboxes.get(DOC, keyEpoch(0), PHONE)).toEqual(sealed);
    expect(ws.lockboxes.forDevice(PHONE).map((l) => l.epoch)).toEqual([0, 1]);
    expect(ws.lockboxes.forDoc(DOC)).toHaveLength(3);
    ws.lockboxes.remove(DOC, keyEpoch(0), PHONE);
    expect(ws.lockboxes.get(DOC, keyEpoch(0), PHONE)).toBeUndefined();
  });

  it('notifies observers of remote changes and ends in the same state on both peers', () => {
    const [da, db] = docsWithClients(2) as [never, never];
    const a = workspaceDoc(da);
    const b = workspaceDoc(db);
    let seen = 0;
    const stop = b.observe(() => seen++);
    a.init({ id: WS, name: 'Home' });
    a.chats.create({ title: 'x' });
    a.sessions.create({ gateway: GATEWAY, title: 't', requestedBy: PHONE });
    syncDocs(da, db);
    expect(seen).toBe(1);
    stop();
    a.rename('Other');
    syncDocs(da, db);
    expect(seen).toBe(1);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
