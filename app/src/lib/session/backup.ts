/**
 * Encrypted backups: the whole workspace as one file. Inside: this device's
 * identity, local key, config and scope keys, then every open document's
 * Yjs state, all sealed under a passphrase (Argon2id at the shared default
 * cost, then XChaCha20-Poly1305: crypto/passphrase.ts).
 *
 * File: "tendril backup v1\n" | passphrase blob of
 *   text "tendril-backup/v1" | u32 createdAt seconds | bytes home record |
 *   u32 document count | per document: text doc | text scope | text chat id or "" |
 *   u32 highest own counter | bytes Yjs state
 *
 * Restoring a backup made by an admin device enrolls a new device, certified
 * by the backed-up admin identity, so two devices never share author
 * counters. A backup of a non-admin device restores that same device, with
 * its counters, and must then replace it.
 */
import * as Y from 'yjs';
import { createBrowserHome, decodeHomeSecrets, encodeHomeSecrets, type BrowserHome, type BrowserPlatform } from '@tendril/crdt-schema/browser';
import { generateDeviceIdentity, openWithPassphraseAsync, sealWithPassphraseAsync, type CryptoProvider } from '@tendril/crdt-schema/crypto';
import { workerPwhash } from '../platform/pwhash.ts';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { BackupContents, BackupDoc } from '@tendril/crdt-schema/backup';
import type { ChatId, DocId } from '@tendril/crdt-schema/ids';
import { ALL_SCOPES, type Scope } from '@tendril/crdt-schema/keyring';
import type { DocSync } from '@tendril/crdt-schema/sync';
import { registerRelayAdmin, signMemberCert, type WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { nextPaint } from '../platform/files.ts';
import { ByteReader, ByteWriter } from './bytes.ts';
import { openSession } from './open.ts';

const FILE_HEADER = new TextEncoder().encode('tendril backup v1\n');
const BODY_TAG = 'tendril-backup/v1';

export type { BackupContents, BackupDoc };

export interface Progress {
  readonly label: string;
  readonly done?: number;
  readonly total?: number;
}
type OnProgress = (p: Progress) => void;

/** The highest counter this device used for the document, from what the store holds durably. */
async function ownCounter(home: BrowserHome, sync: DocSync): Promise<number> {
  await sync.flush();
  const loaded = await home.storeFor(sync.doc).load();
  return Math.max(loaded.meta?.myCounter ?? 0, ...loaded.outbox.map((e) => e.counter));
}

/** Everything a backup holds, read from the open session (every document opened first). */
export async function collectBackup(session: WorkspaceSession, onProgress: OnProgress): Promise<BackupContents> {
  onProgress({ label: 'Opening every document…' });
  await session.openAll();
  const home = session.home as BrowserHome;
  const docs = session.peer.docs();
  const chatOf = new Map(session.workspace().chats.list({ includeDeleted: true }).map((c) => [c.docId, c.id]));
  const out: BackupDoc[] = [];
  for (const [i, sync] of docs.entries()) {
    onProgress({ label: 'Collecting documents…', done: i, total: docs.length });
    const scope = session.scopeOf(sync.doc);
    if (!scope) throw new TendrilError('E_BAD_INPUT', `no scope for document ${sync.doc}`);
    out.push({ doc: sync.doc, scope, chat: chatOf.get(sync.doc) ?? null, myCounter: await ownCounter(home, sync), state: Y.encodeStateAsUpdate(sync.ydoc) });
    if (i % 20 === 19) await nextPaint();
  }
  return { createdAt: Date.now(), secrets: { identity: home.identity, localKey: home.localKey, config: home.config, keys: home.keys }, docs: out };
}

export async function exportBackup(crypto: CryptoProvider, session: WorkspaceSession, passphrase: string, onProgress: OnProgress): Promise<Uint8Array> {
  const b = await collectBackup(session, onProgress);
  const w = new ByteWriter().text(BODY_TAG).u32(Math.floor(b.createdAt / 1000)).bytes(encodeHomeSecrets(b.secrets)).u32(b.docs.length);
  for (const d of b.docs) w.text(d.doc).text(d.scope).text(d.chat ?? '').u32(d.myCounter).bytes(d.state);
  onProgress({ label: 'Encrypting with your passphrase (Argon2id, a few seconds)…', done: b.docs.length, total: b.docs.length });
  await nextPaint();
  const pwhash = workerPwhash();
  const blob = await sealWithPassphraseAsync(crypto, passphrase, w.finish(), pwhash ? { pwhash } : {});
  return new ByteWriter().raw(FILE_HEADER).raw(blob).finish();
}

/** Opens a backup file; `E_PASSPHRASE` for a wrong passphrase, `E_BAD_INPUT` for anything that is not a backup. */
export async function readBackup(crypto: CryptoProvider, file: Uint8Array, passphrase: string, onProgress: OnProgress): Promise<BackupContents> {
  const head = file.subarray(0, FILE_HEADER.length);
  if (head.length !== FILE_HEADER.length || head.some((b, i) => b !== FILE_HEADER[i])) throw new TendrilError('E_BAD_INPUT', 'this file is not a Tendril backup');
  onProgress({ label: 'Decrypting with your passphrase (Argon2id, a few seconds)…' });
  await nextPaint();
  const pwhash = workerPwhash();
  const r = new ByteReader(await openWithPassphraseAsync(crypto, passphrase, file.subarray(FILE_HEADER.length), pwhash ? { pwhash } : {}));
  if (r.text() !== BODY_TAG) throw new TendrilError('E_BAD_INPUT', 'unknown backup version');
  const createdAt = r.u32() * 1000;
  const secrets = decodeHomeSecrets(crypto, r.bytes());
  const n = r.u32();
  const docs: BackupDoc[] = [];
  for (let i = 0; i < n; i++) {
    const doc = r.text() as DocId;
    const scope = r.text();
    if (!(ALL_SCOPES as readonly string[]).includes(scope)) throw new TendrilError('E_BAD_INPUT', `unknown scope ${scope} in the backup`);
    const chat = r.text();
    docs.push({ doc, scope: scope as Scope, chat: chat === '' ? null : (chat as ChatId), myCounter: r.u32(), state: r.bytes() });
  }
  if (!r.done) throw new TendrilError('E_BAD_INPUT', 'trailing bytes after the backup');
  return { createdAt, secrets, docs };
}

/** Restores a backup into this (empty) browser and connects; see the module header for which device it becomes. */
export async function restoreBackup(
  crypto: CryptoProvider,
  platform: BrowserPlatform,
  b: BackupContents,
  o: { deviceName: string; onProgress: OnProgress },
): Promise<WorkspaceSession> {
  const old = b.secrets;
  const asNewDevice = old.config.role === 'admin';
  const identity = asNewDevice ? generateDeviceIdentity(crypto) : old.identity;
  const config = { ...old.config, deviceName: asNewDevice ? o.deviceName : old.config.deviceName, registered: true };
  const home = await createBrowserHome(crypto, platform, { identity, config, keys: old.keys });
  if (!asNewDevice) {
    // The same author must continue after its highest counter, or peers would take its next changes for replays.
    for (const d of b.docs) if (d.myCounter > 0) await home.storeFor(d.doc).ack([], { myCounter: d.myCounter, maxSeenSeq: 0 });
  }
  const session = await openSession(crypto, home);
  const index = b.docs.find((d) => d.doc === config.docs.index);
  const apply = async (sync: DocSync, d: BackupDoc) => {
    // Applied as if it came from the relay (origin = the DocSync): it is not re-sent as a local change.
    Y.applyUpdate(sync.ydoc, d.state, sync);
    await sync.saveNow();
  };
  if (index) await apply(session.index, index);
  for (const [i, d] of b.docs.entries()) {
    o.onProgress({ label: 'Restoring documents…', done: i, total: b.docs.length });
    if (d === index) continue;
    if (d.scope === 'settings') await apply((await session.openSettings()).sync, d);
    else if (d.scope === 'permissions') await apply((await session.openPermissions()).sync, d);
    else if (d.scope === 'chat' && d.chat && session.workspace().chats.get(d.chat)) await apply((await session.openChat(d.chat)).sync, d);
    if (i % 20 === 19) await nextPaint();
  }
  if (asNewDevice) {
    const cert = signMemberCert(crypto, { workspace: config.workspace, device: identity.deviceId, role: 'admin', boxPublicKey: identity.boxPublicKey, via: { admin: old.identity.deviceId } }, old.identity);
    session.workspace().members.add({ device: identity.deviceId, name: o.deviceName, role: 'admin', boxPublicKey: identity.boxPublicKey, addedBy: old.identity.deviceId, cert });
  }
  session.connect();
  // The relay knows the backed-up admin, not this new device: the old identity vouches for it, so this
  // device's revocations are honoured at the relay too.
  if (asNewDevice) await registerRelayAdmin(crypto, session, old.identity);
  o.onProgress({ label: 'Restored', done: b.docs.length, total: b.docs.length });
  return session;
}
