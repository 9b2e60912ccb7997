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
 * Collecting and restoring are shared with the relay backups and the CLI
 * (crdt-schema backup/workspace-contents.ts, which says which device a
 * restore becomes).
 */
import { createBrowserHome, decodeHomeSecrets, encodeHomeSecrets, type BrowserHome, type BrowserPlatform } from '@tendril/crdt-schema/browser';
import { openWithPassphraseAsync, sealWithPassphraseAsync, type CryptoProvider } from '@tendril/crdt-schema/crypto';
import { workerPwhash } from '../platform/pwhash.ts';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { collectContents, restoreContents, type BackupContents, type BackupDoc } from '@tendril/crdt-schema/backup';
import type { ChatId, DocId } from '@tendril/crdt-schema/ids';
import { ALL_SCOPES, type Scope } from '@tendril/crdt-schema/keyring';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
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

/** Everything a backup holds, read from the open session (every document opened first). */
export function collectBackup(session: WorkspaceSession, onProgress: OnProgress): Promise<BackupContents> {
  return collectContents(session, Date.now(), { onProgress, breathe: nextPaint });
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

/** Restores a backup into this (empty) browser and connects (backup/workspace-contents.ts says which device it becomes). */
export function restoreBackup(
  crypto: CryptoProvider,
  platform: BrowserPlatform,
  b: BackupContents,
  o: { deviceName: string; onProgress: OnProgress },
): Promise<WorkspaceSession> {
  return restoreContents(crypto, b, { makeHome: (init) => createBrowserHome(crypto, platform, init), openSession: (home) => openSession(crypto, home as BrowserHome) }, { ...o, breathe: nextPaint });
}
