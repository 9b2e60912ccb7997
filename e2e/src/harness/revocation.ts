/**
 * Checking what a device's keys can open: the device exports its own
 * encrypted backup through the UI, the test opens it with the passphrase to
 * get the scope keys, then tries them on every chat envelope the relay
 * stored. Opening uses the shared core's real envelope code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { decodeHomeSecrets } from '@tendril/crdt-schema/browser';
import { loadCrypto, openWithPassphrase, secret, type CryptoProvider } from '@tendril/crdt-schema/crypto';
import { openEnvelope, parseEnvelope, type CounterCheck } from '@tendril/crdt-schema/envelope';
import { isTendrilError } from '@tendril/crdt-schema/errors';
import type { DocId, KeyEpoch } from '@tendril/crdt-schema/ids';
import { deriveDocKeys, type WorkspaceKeys } from '@tendril/crdt-schema/keyring';
import { goto, type Device } from './app-driver.ts';

const HEADER = 'tendril backup v1\n';

/** The home record inside a backup body: text tag, u32 time, then the length-prefixed record. */
function homeRecordOf(body: Uint8Array): Uint8Array {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const tagLength = view.getUint32(0);
  const at = 4 + tagLength + 4;
  const length = view.getUint32(at);
  return body.subarray(at + 4, at + 4 + length);
}

/** Exports a backup from the page through Settings and returns the scope keys it holds. */
export async function readBackupKeys(page: Page, passphrase: string): Promise<{ crypto: CryptoProvider; keys: WorkspaceKeys }> {
  await goto({ page } as Device, '#/settings');
  await page.locator('#backup-pass-new').fill(passphrase);
  await page.locator('#backup-pass-again').fill(passphrase);
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('export-backup').click()]);
  const file = readFileSync((await download.path())!);
  if (file.subarray(0, HEADER.length).toString() !== HEADER) throw new Error('the download is not a Tendril backup');
  const crypto = await loadCrypto();
  const body = openWithPassphrase(crypto, passphrase, new Uint8Array(file.subarray(HEADER.length)));
  return { crypto, keys: decodeHomeSecrets(crypto, homeRecordOf(body)).keys };
}

export interface OpenResult {
  /** Chat envelopes sealed at an epoch the keys hold, and how many of them opened. */
  readonly before: number;
  readonly openedBefore: number;
  /** Chat envelopes sealed at a later epoch, how many opened, and the codes the others failed with. */
  readonly after: number;
  readonly openedAfter: number;
  readonly afterCodes: string[];
}

export async function envelopesOpenableWith(dataDir: string, held: { crypto: CryptoProvider; keys: WorkspaceKeys }): Promise<OpenResult> {
  const { crypto, keys } = held;
  const chatKeys = keys.get('chat');
  if (!chatKeys) throw new Error('the backup holds no chat keys');
  const db = new Database(join(dataDir, 'relay.sqlite'), { readonly: true, fileMustExist: true });
  const rows = db.prepare('SELECT doc, envelope FROM entries ORDER BY doc, seq').all() as { doc: string; envelope: Buffer }[];
  db.close();
  const noCounters: CounterCheck = { check(): void {} };
  const tryOpen = (doc: DocId, envelope: Uint8Array): string | null => {
    const view = deriveDocKeys(crypto, chatKeys, doc);
    try {
      openEnvelope(crypto, envelope, {
        doc,
        keyFor: (e: KeyEpoch) => {
          const k = view.contentKey(e);
          return k ? secret(k) : undefined;
        },
        isAllowedAuthor: () => true,
        counters: noCounters,
      });
      return null;
    } catch (e) {
      return isTendrilError(e) ? e.code : String(e);
    }
  };
  // The chat documents: those with an entry these keys open.
  const chatDocs = new Set(rows.filter((r) => tryOpen(r.doc as DocId, new Uint8Array(r.envelope)) === null).map((r) => r.doc));
  const result = { before: 0, openedBefore: 0, after: 0, openedAfter: 0, afterCodes: new Set<string>() };
  for (const r of rows) {
    if (!chatDocs.has(r.doc)) continue;
    const env = new Uint8Array(r.envelope);
    const heldEpoch = chatKeys.epochs.has(parseEnvelope(env).header.epoch);
    const code = tryOpen(r.doc as DocId, env);
    if (heldEpoch) {
      result.before++;
      if (code === null) result.openedBefore++;
    } else {
      result.after++;
      if (code === null) result.openedAfter++;
      else result.afterCodes.add(code);
    }
  }
  return { ...result, afterCodes: [...result.afterCodes] };
}
