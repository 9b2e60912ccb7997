/**
 * Taking a workspace's contents from an open session, and putting them back
 * into a new, empty home: shared by the app (IndexedDB home) and the CLI
 * (directory home), which differ only in how a home is made.
 *
 * Restoring contents backed up from an admin device enrolls a new device,
 * certified by the backed-up admin identity, so two devices never share
 * author counters. Contents of a non-admin device restore that same device,
 * with its counters, and it must then replace it.
 */
import * as Y from 'yjs';
import { generateDeviceIdentity, type DeviceIdentity } from '../crypto/keys.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { TendrilError } from '../errors.ts';
import type { WorkspaceKeys } from '../keyring/workspace-keys.ts';
import type { DocSync } from '../sync/doc-sync.ts';
import { registerRelayAdmin } from '../workspace/flows/relay-admin.ts';
import type { DeviceHomeState, HomeConfig } from '../workspace/home.ts';
import { signMemberCert } from '../workspace/membership.ts';
import type { WorkspaceSession } from '../workspace/session.ts';
import type { BackupContents, BackupDoc } from './workspace-units.ts';

export interface ContentsProgress {
  readonly label: string;
  readonly done?: number;
  readonly total?: number;
}

export interface ContentsOptions {
  readonly onProgress?: (p: ContentsProgress) => void;
  /** Called every 20 documents (the app lets the page paint). */
  readonly breathe?: () => Promise<void>;
}

/** The highest counter this device used for the document, from what the store holds durably. */
async function ownCounter(home: DeviceHomeState, sync: DocSync): Promise<number> {
  await sync.flush();
  const loaded = await home.storeFor(sync.doc).load();
  return Math.max(loaded.meta?.myCounter ?? 0, ...loaded.outbox.map((e) => e.counter));
}

/** Everything a backup holds, read from the open session (every document opened first). */
export async function collectContents(session: WorkspaceSession, now: number, o: ContentsOptions = {}): Promise<BackupContents> {
  o.onProgress?.({ label: 'Opening every document…' });
  await session.openAll();
  const home = session.home;
  const docs = session.peer.docs();
  const chatOf = new Map(session.workspace().chats.list({ includeDeleted: true }).map((c) => [c.docId, c.id]));
  const out: BackupDoc[] = [];
  for (const [i, sync] of docs.entries()) {
    o.onProgress?.({ label: 'Collecting documents…', done: i, total: docs.length });
    const scope = session.scopeOf(sync.doc);
    if (!scope) throw new TendrilError('E_BAD_INPUT', `no scope for document ${sync.doc}`);
    out.push({ doc: sync.doc, scope, chat: chatOf.get(sync.doc) ?? null, myCounter: await ownCounter(home, sync), state: Y.encodeStateAsUpdate(sync.ydoc) });
    if (i % 20 === 19) await o.breathe?.();
  }
  return { createdAt: now, secrets: { identity: home.identity, localKey: home.localKey, config: home.config, keys: home.keys }, docs: out };
}

export interface RestoreHomes {
  /** Makes the new, empty home (fails when one exists). */
  makeHome(init: { identity: DeviceIdentity; config: HomeConfig; keys: WorkspaceKeys }): Promise<DeviceHomeState>;
  openSession(home: DeviceHomeState): Promise<WorkspaceSession>;
}

/** Restores contents into a new home and connects; see the module header for which device it becomes. */
export async function restoreContents(crypto: CryptoProvider, b: BackupContents, homes: RestoreHomes, o: ContentsOptions & { deviceName: string }): Promise<WorkspaceSession> {
  const old = b.secrets;
  const asNewDevice = old.config.role === 'admin';
  const identity = asNewDevice ? generateDeviceIdentity(crypto) : old.identity;
  const config = { ...old.config, deviceName: asNewDevice ? o.deviceName : old.config.deviceName, registered: true };
  const home = await homes.makeHome({ identity, config, keys: old.keys });
  if (!asNewDevice) {
    // The same author must continue after its highest counter, or peers would take its next changes for replays.
    for (const d of b.docs) if (d.myCounter > 0) await home.storeFor(d.doc).ack([], { myCounter: d.myCounter, maxSeenSeq: 0 });
  }
  const session = await homes.openSession(home);
  const index = b.docs.find((d) => d.doc === config.docs.index);
  const apply = async (sync: DocSync, d: BackupDoc) => {
    // Applied as if it came from the relay (origin = the DocSync): it is not re-sent as a local change.
    Y.applyUpdate(sync.ydoc, d.state, sync);
    await sync.saveNow();
  };
  if (index) await apply(session.index, index);
  for (const [i, d] of b.docs.entries()) {
    o.onProgress?.({ label: 'Restoring documents…', done: i, total: b.docs.length });
    if (d === index) continue;
    if (d.scope === 'settings') await apply((await session.openSettings()).sync, d);
    else if (d.scope === 'permissions') await apply((await session.openPermissions()).sync, d);
    else if (d.scope === 'chat' && d.chat && session.workspace().chats.get(d.chat)) await apply((await session.openChat(d.chat)).sync, d);
    if (i % 20 === 19) await o.breathe?.();
  }
  if (asNewDevice) {
    const cert = signMemberCert(crypto, { workspace: config.workspace, device: identity.deviceId, role: 'admin', boxPublicKey: identity.boxPublicKey, via: { admin: old.identity.deviceId } }, old.identity);
    session.workspace().members.add({ device: identity.deviceId, name: o.deviceName, role: 'admin', boxPublicKey: identity.boxPublicKey, addedBy: old.identity.deviceId, cert });
  }
  session.connect();
  // The relay knows the backed-up admin, not this new device: the old identity vouches for it, so this
  // device's revocations are honoured at the relay too.
  if (asNewDevice) await registerRelayAdmin(crypto, session, old.identity);
  o.onProgress?.({ label: 'Restored', done: b.docs.length, total: b.docs.length });
  return session;
}
