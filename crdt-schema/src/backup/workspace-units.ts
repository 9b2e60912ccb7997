/**
 * What a backup of a workspace holds, as the units the chunked format
 * stores: unit 0 is the device's secrets (identity, local key, config,
 * scope keys) with the backup time, then one unit per document (its id,
 * scope, chat id, the highest counter this device used, its Yjs state).
 * One document per unit means one changed message re-uploads the chunks of
 * that one chat, not the workspace. The app and the CLI both write and read
 * backups through these two functions.
 *
 * Unit 0: string "tendril-backup-home/v1" | float createdAt | bytes home record
 * Doc unit: string "tendril-backup-doc/v1" | string doc | string scope |
 *           string chat id or "" | varUint own counter | bytes Yjs state
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { decodeHomeSecrets, encodeHomeSecrets, type HomeSecrets } from '../browser/home-record.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { TendrilError } from '../errors.ts';
import type { ChatId, DocId } from '../ids.ts';
import { ALL_SCOPES, type Scope } from '../keyring/scopes.ts';

const HOME_TAG = 'tendril-backup-home/v1';
const DOC_TAG = 'tendril-backup-doc/v1';

export interface BackupDoc {
  readonly doc: DocId;
  readonly scope: Scope;
  readonly chat: ChatId | null;
  readonly myCounter: number;
  readonly state: Uint8Array;
}

export interface BackupContents {
  readonly createdAt: number;
  readonly secrets: HomeSecrets;
  readonly docs: readonly BackupDoc[];
}

export function contentsToUnits(b: BackupContents): Uint8Array[] {
  const home = encoding.createEncoder();
  encoding.writeVarString(home, HOME_TAG);
  encoding.writeFloat64(home, b.createdAt);
  encoding.writeVarUint8Array(home, encodeHomeSecrets(b.secrets));
  // Sorted by document id so the same workspace always gives the same units in the same order.
  const docs = [...b.docs].sort((x, y) => (x.doc < y.doc ? -1 : x.doc > y.doc ? 1 : 0));
  return [
    encoding.toUint8Array(home),
    ...docs.map((d) => {
      const e = encoding.createEncoder();
      encoding.writeVarString(e, DOC_TAG);
      encoding.writeVarString(e, d.doc);
      encoding.writeVarString(e, d.scope);
      encoding.writeVarString(e, d.chat ?? '');
      encoding.writeVarUint(e, d.myCounter);
      encoding.writeVarUint8Array(e, d.state);
      return encoding.toUint8Array(e);
    }),
  ];
}

function parse<T>(what: string, bytes: Uint8Array, read: (d: decoding.Decoder) => T): T {
  const d = decoding.createDecoder(bytes);
  let out: T;
  try {
    out = read(d);
  } catch (e) {
    throw new TendrilError('E_BACKUP_CORRUPT', `${what} of the backup does not parse`, { cause: e });
  }
  if (d.pos !== bytes.length) throw new TendrilError('E_BACKUP_CORRUPT', `trailing bytes after ${what} of the backup`);
  return out;
}

/** Strict inverse of {@link contentsToUnits}. */
export function unitsToContents(crypto: CryptoProvider, units: readonly Uint8Array[]): BackupContents {
  const [head, ...rest] = units;
  if (!head) throw new TendrilError('E_BACKUP_CORRUPT', 'the backup is empty');
  const { createdAt, record } = parse('the device record', head, (d) => {
    if (decoding.readVarString(d) !== HOME_TAG) throw new Error('unknown tag');
    return { createdAt: decoding.readFloat64(d), record: decoding.readVarUint8Array(d) };
  });
  const secrets = decodeHomeSecrets(crypto, record);
  const docs = rest.map((u, i) =>
    parse(`document ${i + 1}`, u, (d): BackupDoc => {
      if (decoding.readVarString(d) !== DOC_TAG) throw new Error('unknown tag');
      const doc = decoding.readVarString(d) as DocId;
      const scope = decoding.readVarString(d);
      if (!(ALL_SCOPES as readonly string[]).includes(scope)) throw new Error(`unknown scope ${scope}`);
      const chat = decoding.readVarString(d);
      return { doc, scope: scope as Scope, chat: chat === '' ? null : (chat as ChatId), myCounter: decoding.readVarUint(d), state: decoding.readVarUint8Array(d).slice() };
    }),
  );
  return { createdAt, secrets, docs };
}
