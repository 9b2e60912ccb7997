/**
 * Backups to the relay from the app: setting the recovery phrase up on this
 * device (derive the backup key off the main thread, enrol the reader
 * identity at the relay, and for a 12-word phrase its locator, keep the key
 * in the sealed local record), writing a restore point (the workspace as
 * units, incremental upload, then the retention policy), and restoring one
 * into an empty browser with the 12-word phrase alone (the relay that served
 * the page finds its workspace) or the recovery kit.
 */
import {
  applyRetention, backupBlobsOver, contentsToUnits, restoreAsCopy, deriveBackupKeys, listRestorePoints, openBackupReader, phraseLocator, readBackupUnits, unitsToContents, writeBackup,
  type BackupBlobs, type PruneResult, type RestoreHomes, type RestorePoint, type RetentionPolicy, type WriteBackupResult,
} from '@tendril/crdt-schema/backup';
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { WorkspaceId } from '@tendril/crdt-schema/ids';
import { enrolAtRelay, type WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { createBrowserHome, type BrowserHome } from '@tendril/crdt-schema/browser';
import { BrowserWebSocket, CLIENT_NAME, pageRelay } from '../platform/browser.ts';
import { nextPaint } from '../platform/files.ts';
import { workerPwhash } from '../platform/pwhash.ts';
import { collectBackup, restoreBackup, type Progress } from './backup.ts';
import { openSession } from './open.ts';
import type { BrowserPlatform } from '@tendril/crdt-schema/browser';
import { backupKeyStore, type BackupSecretKind, type StoredBackupKey } from './backup-key-store.ts';

export function keyStoreOf(session: WorkspaceSession) {
  const home = session.home;
  return backupKeyStore({ crypto: session.crypto, workspace: home.config.workspace, device: home.identity.deviceId, localKey: home.localKey, storeFor: (d) => home.storeFor(d) });
}

/** The backup blobs over this session's relay connection. */
export function sessionBlobs(session: WorkspaceSession): BackupBlobs {
  return backupBlobsOver(session.peer.relay);
}

/**
 * Makes `secretText` (a checked phrase, or a passphrase that passed the strength check) this device's backup
 * secret: the reader it derives is enrolled at the relay, so a fresh browser can find the backups with it; for a
 * phrase, its locator too, so the phrase alone names the workspace to the relay (a passphrase has none).
 */
export async function setUpBackupKey(crypto: CryptoProvider, session: WorkspaceSession, secretText: string, kind: BackupSecretKind, now: number): Promise<StoredBackupKey> {
  if (session.home.config.role !== 'admin') throw new TendrilError('E_INVITE_SCOPE', 'only an admin device can set up the recovery phrase');
  const pwhash = workerPwhash();
  const keys = await deriveBackupKeys(crypto, secretText, session.home.config.workspace, pwhash ? { pwhash } : {});
  await enrolAtRelay(crypto, session, keys.reader.signPublicKey);
  if (kind === 'phrase') await enrolAtRelay(crypto, session, phraseLocator(crypto, secretText).signPublicKey);
  const stored: StoredBackupKey = { keys, kind, since: now, lastBackupAt: null };
  await keyStoreOf(session).save(stored);
  return stored;
}

export interface BackupRun extends WriteBackupResult {
  readonly pruned: PruneResult;
}

/** Writes one restore point of the whole workspace, then applies the retention policy. */
export async function backUpNow(
  crypto: CryptoProvider,
  session: WorkspaceSession,
  blobs: BackupBlobs,
  stored: StoredBackupKey,
  o: { now: () => number; policy: RetentionPolicy; onProgress: (p: Progress) => void },
): Promise<BackupRun> {
  const contents = await collectBackup(session, o.onProgress);
  const home = session.home;
  o.onProgress({ label: 'Encrypting and uploading what changed…' });
  await nextPaint();
  const written = await writeBackup(crypto, blobs, stored.keys, {
    workspace: home.config.workspace,
    device: home.identity.deviceId,
    deviceName: home.config.deviceName,
    now: o.now(),
    units: contentsToUnits(contents),
    onProgress: (done, total) => o.onProgress({ label: 'Uploading changed chunks…', done, total }),
  });
  const listed = await listRestorePoints(crypto, blobs, stored.keys, home.config.workspace);
  const pruned = await applyRetention(blobs, listed, o.policy, o.now());
  await keyStoreOf(session).save({ ...stored, lastBackupAt: o.now() });
  return { ...written, pruned };
}

export interface RecoveryKit {
  readonly relay: string;
  /** Absent: a 12-word phrase asks the relay which workspace it belongs to. */
  readonly workspace?: WorkspaceId;
  readonly secret: string;
}

/** The restore points a recovery kit reaches; close() ends the reader's connection. */
export async function findBackups(crypto: CryptoProvider, kit: RecoveryKit) {
  const pwhash = workerPwhash();
  return openBackupReader(crypto, { ...kit, WebSocket: BrowserWebSocket, clientName: CLIENT_NAME, blobsOver: backupBlobsOver, ...(pwhash ? { pwhash } : {}) });
}

/**
 * Restores one restore point into this empty browser; the backup key stays on the new device so backups go on.
 * With `asCopy`, the point becomes a new workspace as it was (backup/restore-copy.ts), with no backup key yet.
 */
export async function restoreFromRelay(
  crypto: CryptoProvider,
  platform: BrowserPlatform,
  reader: Awaited<ReturnType<typeof findBackups>>,
  point: RestorePoint,
  o: { deviceName: string; onProgress: (p: Progress) => void; asCopy?: { workspaceName: string } },
): Promise<WorkspaceSession> {
  o.onProgress({ label: 'Downloading and checking the restore point…' });
  const units = await readBackupUnits(crypto, reader.blobs, reader.keys, point, (done, total) => o.onProgress({ label: 'Downloading and checking the restore point…', done, total }));
  const contents = unitsToContents(crypto, units);
  reader.close();
  if (o.asCopy) {
    const homes: RestoreHomes = { makeHome: (init) => createBrowserHome(crypto, platform, init), openSession: (home) => openSession(crypto, home as BrowserHome) };
    return restoreAsCopy(crypto, contents, homes, { relay: pageRelay(), deviceName: o.deviceName, workspaceName: o.asCopy.workspaceName, onProgress: o.onProgress, breathe: nextPaint });
  }
  const session = await restoreBackup(crypto, platform, contents, o);
  await keyStoreOf(session).save({ keys: reader.keys, kind: reader.secretKind, since: Date.now(), lastBackupAt: point.manifest.createdAt });
  return session;
}
