/**
 * Revocation locks the revoked device out, through the real relay and CLI:
 * its old index capability keys no longer open the index (not even for a
 * member device they were passed to), no member but an admin can change a document's
 * capability keys, a member that was offline during the revocation still
 * catches up (it reads its new keys with the replaced ones, which the relay
 * keeps readable for remaining members alone), and an admin whose document
 * was registered under someone else's keys takes it back and syncs.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDeviceIdentity, type KeyPair } from '@tendril/crdt-schema/crypto';
import { newDocId, type DeviceId, type DocId } from '@tendril/crdt-schema/ids';
import { deriveDocKeys, Scope } from '@tendril/crdt-schema/keyring';
import { CapMode, FrameType, setCapsBytes, type Frame } from '@tendril/crdt-schema/wire';
import * as Y from 'yjs';
import { openHome } from '../src/home/device-home.ts';
import { cliOk, eventually, relayFixture } from './harness.ts';
import { makeWorkspace, type Workspace } from './peers.ts';
import { openProbe } from './relay-probe.ts';

const codeOf = (f: Frame | null): string => (f?.type === FrameType.Error ? f.code : f ? `frame ${f.type}` : 'silence');

describe('revocation through the real relay', () => {
  const env = relayFixture('revoke-lockout', { beforeAll, afterAll });
  let ws: Workspace;
  /** The index capability keys the revoked device held. */
  let old: { doc: DocId; read: KeyPair; write: KeyPair };
  let bob: DeviceId;
  const later = join(env.dir, 'later');

  beforeAll(async () => {
    ws = await makeWorkspace(env.dir, env.relay.url, 2);
    const home = openHome(ws.crypto, ws.homes[1]!);
    const view = deriveDocKeys(ws.crypto, home.keys.get(Scope.Index)!, home.config.docs.index);
    old = { doc: home.config.docs.index, read: { publicKey: view.readCap.publicKey, secretKey: view.readCap.secretKey }, write: view.writeCap! };
    bob = home.identity.deviceId;
    home.close();
    await cliOk('devices', 'revoke', '--home', ws.homes[0]!, bob);
    // A member that joined after the revocation.
    await cliOk('join', '--home', later, (await cliOk('invite', '--home', ws.homes[0]!)).last, '--name', 'later');
  }, 120_000);

  it("refuses the revoked device's old index keys: no subscribe, no append, no capability change", async () => {
    const admin = openHome(ws.crypto, ws.homes[0]!);
    const workspace = admin.config.workspace;
    admin.close();
    // A device that is a member (it joined after the revocation) holding the revoked device's old keys.
    const laterHome = openHome(ws.crypto, later);
    const identity = laterHome.identity;
    laterHome.close();
    const probe = await openProbe(ws.crypto, { url: env.relay.url, workspace, identity });
    try {
      expect(codeOf(await probe.subscribe(old.doc, CapMode.Read, old.read))).toBe('E_AUTH_FAILED');
      expect(codeOf(await probe.subscribe(old.doc, CapMode.Read, old.write))).toBe('E_AUTH_FAILED');
      expect(codeOf(await probe.subscribe(old.doc, CapMode.Write, old.write))).toBe('E_AUTH_FAILED');
      expect(codeOf(await probe.subscribe(old.doc, CapMode.Write, old.write, { writeKey: old.write.publicKey, readKey: old.read.publicKey }))).toBe('E_DOC_EXISTS');
      const append = await probe.request(old.doc, { type: FrameType.Envelope, doc: old.doc, ref: 1, envelope: new Uint8Array(200) });
      expect(codeOf(append)).toBe('E_FORBIDDEN');
      // The SetCaps that locked the owner out: new caps chosen by the holder of the old write key.
      const taken = generateDeviceIdentity(ws.crypto);
      const c = { workspace, doc: old.doc, writeKey: taken.signPublicKey, readKey: taken.signPublicKey, readers: [] };
      for (const [signer, admin] of [[old.write.secretKey, bob], [identity.signSecretKey.expose(), identity.deviceId]] as const) {
        const proof = ws.crypto.sign(setCapsBytes(probe.relay.nonce!, c), signer);
        const setCaps = await probe.request(old.doc, { type: FrameType.SetCaps, doc: old.doc, ref: 9, writeKey: c.writeKey, readKey: c.readKey, readers: [], admin, proof });
        expect(codeOf(setCaps)).toBe('E_FORBIDDEN');
      }
    } finally {
      probe.close();
    }
    // A stranger's device key with the old keys: not even a member.
    const stranger = await openProbe(ws.crypto, { url: env.relay.url, workspace, identity: generateDeviceIdentity(ws.crypto) });
    try {
      expect(codeOf(await stranger.subscribe(old.doc, CapMode.Read, old.read))).toBe('E_AUTH_FAILED');
      expect(codeOf(await stranger.subscribe(old.doc, CapMode.Write, old.write))).toBe('E_NOT_MEMBER');
    } finally {
      stranger.close();
    }
    // The owner still syncs.
    await cliOk('sync', '--home', ws.homes[0]!, '--timeout', '20');
  });

  it("lets a member that was offline during the revocation catch up (the admin's writes after it reach it)", async () => {
    await cliOk('chat', 'send', '--home', ws.homes[0]!, ws.chat, 'written after the revocation');
    const shown = await cliOk('chat', 'show', '--home', ws.homes[2]!, ws.chat, '--wait-for', 'written after the revocation', '--timeout', '30');
    expect(shown.out.join('\n')).toContain('written after the revocation');
    const carol = openHome(ws.crypto, ws.homes[2]!);
    const view = deriveDocKeys(ws.crypto, carol.keys.get(Scope.Index)!, carol.config.docs.index);
    carol.close();
    expect(view.readCap.publicKey, 'the member moved to the new index keys').not.toEqual(old.read.publicKey);
  });

  it("refuses a member (not an admin) that changes the index's capability keys", async () => {
    const session = await ws.open(2);
    try {
      expect(await session.syncOrQueue(20_000)).toBe('synced');
      const me = session.home.identity;
      const doc = session.home.config.docs.index;
      const mine = deriveDocKeys(ws.crypto, session.home.keys.get(Scope.Index)!, doc);
      const probe = await openProbe(ws.crypto, { url: env.relay.url, workspace: session.home.config.workspace, identity: me });
      try {
        const c = { workspace: session.home.config.workspace, doc, writeKey: me.signPublicKey, readKey: me.signPublicKey, readers: [] };
        for (const signer of [mine.writeCap!.secretKey, me.signSecretKey.expose()]) {
          const proof = ws.crypto.sign(setCapsBytes(probe.relay.nonce!, c), signer);
          const answer = await probe.request(doc, { type: FrameType.SetCaps, doc, ref: 4, writeKey: c.writeKey, readKey: c.readKey, readers: [], admin: me.deviceId, proof });
          expect(codeOf(answer)).toBe('E_FORBIDDEN');
        }
      } finally {
        probe.close();
      }
    } finally {
      await session.close();
    }
    await cliOk('sync', '--home', ws.homes[0]!, '--timeout', '20');
  });

  it('shows a member whose document someone else registered the way out, and lets an admin take it back so both sync', async () => {
    const doc = newDocId();
    // A member device registers the id first, under keys of its own.
    const squatter = openHome(ws.crypto, later);
    const identity = squatter.identity;
    const workspace = squatter.config.workspace;
    squatter.close();
    const probe = await openProbe(ws.crypto, { url: env.relay.url, workspace, identity });
    try {
      const squat = generateDeviceIdentity(ws.crypto);
      const cap = { publicKey: squat.signPublicKey, secretKey: squat.signSecretKey.expose() };
      expect((await probe.subscribe(doc, CapMode.Write, cap, { writeKey: cap.publicKey, readKey: cap.publicKey })).type).toBe(FrameType.Subscribed);
    } finally {
      probe.close();
    }
    // A member that is not an admin cannot take it back: its sync says why and what to do.
    const member = await ws.open(2);
    try {
      const stuck = await member.peer.openDoc({ doc, scope: Scope.Chats });
      member.connect();
      await eventually(() => stuck.status.error?.code === 'E_DOC_EXISTS', 20_000, 'the relay to refuse the document');
      expect(await member.syncOrQueue(1_000)).toBe('queued');
      expect(member.lastSyncFailure?.message).toMatch(/E_DOC_EXISTS.*an admin device takes the document back/);
    } finally {
      await member.close();
    }
    const admin = await ws.open(0);
    try {
      const sync = await admin.peer.openDoc({ doc, scope: Scope.Chats });
      sync.ydoc.getMap('probe').set('owner', 'wrote this');
      expect(await admin.syncOrQueue(20_000)).toBe('synced');
    } finally {
      await admin.close();
    }
    // The member syncs now, under the owner's keys.
    const reader = await ws.open(2);
    try {
      const sync = await reader.peer.openDoc({ doc, scope: Scope.Chats });
      expect(await reader.syncOrQueue(20_000)).toBe('synced');
      expect((sync.ydoc as Y.Doc).getMap('probe').get('owner')).toBe('wrote this');
    } finally {
      await reader.close();
    }
  });
});
