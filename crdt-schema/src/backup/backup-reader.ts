/**
 * Reaching a workspace's backups with the recovery phrase alone: with a
 * 12-word phrase and no workspace id, the phrase's locator asks the relay
 * which workspace it belongs to first (phrase-locator.ts,
 * locate-workspace.ts); a chosen passphrase needs the workspace id of the
 * recovery kit. Then the phrase gives the
 * backup keys and the reader identity, which the owner's device enrolled at
 * the relay when it set the phrase up; the reader connects as that member
 * and may read and list blobs, nothing more useful: it holds no document
 * key, and a backup opens only with the backup keys.
 *
 * A wrong phrase gives a reader the relay never enrolled: its refusal
 * (E_NOT_MEMBER), like manifests that do not open, reads as E_PASSPHRASE.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { isTendrilError, TendrilError } from '../errors.ts';
import type { WorkspaceId } from '../ids.ts';
import { RelayClient, type WebSocketConstructor } from '../sync/relay-client.ts';
import { syncUrl } from '../workspace/urls.ts';
import type { BackupBlobs } from './backup-blobs.ts';
import { deriveBackupKeys, type BackupKeys, type DeriveOptions } from './backup-key.ts';
import { requireRestorePoints, WRONG_PHRASE, type RestorePoint } from './read-backup.ts';
import { checkRecoveryPhrase, looksLikeRecoveryPhrase } from './recovery-phrase.ts';
import { phraseLocator } from './phrase-locator.ts';
import { locateWorkspaces } from './locate-workspace.ts';

/** What a phrase the relay has no workspace for is told (a wrong phrase, or another relay). */
export const PHRASE_NOT_FOUND = 'this relay knows no workspace for this recovery phrase: check the words, or give the relay and workspace id of the recovery kit';

export interface BackupReaderOptions extends DeriveOptions {
  /** http(s) or ws(s) base URL of the relay. */
  readonly relay: string;
  /** From the recovery kit; without it a 12-word phrase asks the relay (Locate), a passphrase is refused. */
  readonly workspace?: WorkspaceId;
  /** The 12 words (checked as a phrase) or a chosen passphrase. */
  readonly secret: string;
  readonly WebSocket: WebSocketConstructor;
  readonly clientName: string;
  /** The stored-blob client over a connection (blobs/blob-client.ts), as BackupBlobs. */
  readonly blobsOver: (relay: RelayClient) => BackupBlobs;
  readonly timeoutMs?: number;
}

export interface BackupReader {
  /** The workspace the backups belong to (given, or found by the phrase). */
  readonly workspace: WorkspaceId;
  readonly keys: BackupKeys;
  /** Whether the secret was a recovery phrase or a chosen passphrase. */
  readonly secretKind: 'phrase' | 'passphrase';
  readonly blobs: BackupBlobs;
  /** Newest first. */
  readonly points: readonly RestorePoint[];
  close(): void;
}

/** A phrase is normalized and checked (a typo is named before Argon2id runs); anything else is a passphrase. */
export function backupSecretText(typed: string): string {
  return looksLikeRecoveryPhrase(typed) ? checkRecoveryPhrase(typed) : typed;
}

export async function openBackupReader(crypto: CryptoProvider, o: BackupReaderOptions): Promise<BackupReader> {
  if (o.workspace !== undefined) return openReaderFor(crypto, o, o.workspace);
  const found = await locateWorkspaces(crypto, { relay: o.relay, locator: phraseLocator(crypto, o.secret), WebSocket: o.WebSocket, timeoutMs: o.timeoutMs });
  if (found.length === 0) throw new TendrilError('E_PASSPHRASE', PHRASE_NOT_FOUND);
  // A phrase is made for one workspace; should the relay name more, the first whose backups open wins.
  for (const [i, workspace] of found.entries()) {
    try {
      return await openReaderFor(crypto, o, workspace);
    } catch (e) {
      if (i === found.length - 1) throw e;
    }
  }
  throw new TendrilError('E_PASSPHRASE', PHRASE_NOT_FOUND);
}

async function openReaderFor(crypto: CryptoProvider, o: BackupReaderOptions, workspace: WorkspaceId): Promise<BackupReader> {
  const keys = await deriveBackupKeys(crypto, backupSecretText(o.secret), workspace, o);
  const reader = keys.reader;
  const relay = new RelayClient({
    url: syncUrl(o.relay),
    workspace,
    device: { id: reader.deviceId, publicKey: reader.signPublicKey, sign: (m) => crypto.sign(m, reader.signSecretKey.expose()) },
    WebSocket: o.WebSocket,
    clientName: o.clientName,
  });
  relay.connect();
  try {
    await relay.whenOpen(o.timeoutMs ?? 15_000);
    const blobs = o.blobsOver(relay);
    const points = await requireRestorePoints(crypto, blobs, keys, workspace).catch((e: unknown) => {
      if (isTendrilError(e, 'E_NOT_MEMBER') || isTendrilError(e, 'E_FORBIDDEN')) throw new TendrilError('E_PASSPHRASE', WRONG_PHRASE, { cause: e });
      if (isTendrilError(e, 'E_UNKNOWN_WORKSPACE')) throw new TendrilError('E_BAD_INPUT', 'the relay has no such workspace: check the relay URL and workspace id of the recovery kit', { cause: e });
      throw e;
    });
    return { workspace, keys, secretKind: looksLikeRecoveryPhrase(o.secret) ? 'phrase' : 'passphrase', blobs, points, close: () => relay.close() };
  } catch (e) {
    relay.close();
    throw e;
  }
}
