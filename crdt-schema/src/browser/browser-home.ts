/**
 * A device home in the browser: the DeviceHomeState of workspace/home.ts over
 * IndexedDB. The identity, local key, config and scope keys live in one
 * record wrapped by the non-extractable AES-GCM key (key-wrap.ts), and, with
 * the passphrase lock on, sealed under the vault key first (vault.ts).
 * Document states and outboxes go through IdbDocStore. Nothing is kept in
 * localStorage or cookies.
 */
import type { AsyncPwhash, PassphraseOptions } from '../crypto/passphrase.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import type { DeviceIdentity } from '../crypto/keys.ts';
import type { Secret } from '../crypto/secret.ts';
import { TendrilError } from '../errors.ts';
import type { DocId } from '../ids.ts';
import type { WorkspaceKeys } from '../keyring/workspace-keys.ts';
import type { DeviceHomeState, HomeConfig } from '../workspace/home.ts';
import { decodeHomeSecrets, encodeHomeSecrets, type HomeSecrets } from './home-record.ts';
import { countOutbox, IdbDocStore } from './idb-doc-store.ts';
import { deleteDatabase, openDatabase, request, Stores, transact } from './idb.ts';
import { loadWrappingKey, unwrap, wrap } from './key-wrap.ts';
import { newVaultKey, openVaultKey, sealVaultKey, vaultOpen, vaultSeal } from './vault.ts';

export interface BrowserPlatform {
  readonly indexedDB: IDBFactory;
  readonly subtle: SubtleCrypto;
  /** Database name; one home per database. */
  readonly dbName?: string;
  /** Argon2id cost for the lock (tests only; production keeps the default), and where it runs (`pwhash`: a Web Worker). */
  readonly passphrase?: PassphraseOptions & { readonly pwhash?: AsyncPwhash };
}

/** What this browser holds: nothing yet, a home that needs its passphrase, or an open one. */
export type HomePresence = 'none' | 'locked' | 'unlocked';

interface StoredHome {
  readonly v: 1;
  readonly locked: boolean;
  readonly data: Uint8Array;
}

const HOME = 'home';
const LOCK = 'lock';

export interface BrowserHome extends DeviceHomeState {
  config: HomeConfig;
  keys: WorkspaceKeys;
  readonly db: IDBDatabase;
  /** True when the passphrase lock is on. */
  readonly locked: boolean;
  saveConfig(config: HomeConfig): Promise<void>;
  saveKeys(keys: WorkspaceKeys): Promise<void>;
  storeFor(doc: DocId): IdbDocStore;
  /** Turns the passphrase lock on (or changes the passphrase), or off with null. */
  setLock(passphrase: string | null): Promise<void>;
  /** Local changes of every document not yet acknowledged by the relay. */
  unackedCount(): Promise<number>;
  close(): void;
}

async function readRecord(db: IDBDatabase, key: string): Promise<unknown> {
  return transact(db, Stores.Device, 'readonly', (tx) => request(tx.objectStore(Stores.Device).get(key)));
}

const isStoredHome = (v: unknown): v is StoredHome =>
  typeof v === 'object' && v !== null && (v as StoredHome).v === 1 && typeof (v as StoredHome).locked === 'boolean' && (v as StoredHome).data instanceof Uint8Array;

export async function probeHome(p: BrowserPlatform): Promise<HomePresence> {
  const db = await openDatabase(p.indexedDB, p.dbName);
  try {
    const stored = await readRecord(db, HOME);
    if (!isStoredHome(stored)) return 'none';
    return stored.locked ? 'locked' : 'unlocked';
  } finally {
    db.close();
  }
}

/** Stores a new home (a created or joined workspace); fails when this browser already holds one. */
export async function createBrowserHome(
  crypto: CryptoProvider,
  p: BrowserPlatform,
  init: { identity: DeviceIdentity; config: HomeConfig; keys: WorkspaceKeys; localKey?: Uint8Array },
): Promise<BrowserHome> {
  const db = await openDatabase(p.indexedDB, p.dbName);
  if (isStoredHome(await readRecord(db, HOME))) {
    db.close();
    throw new TendrilError('E_BAD_INPUT', 'this browser already holds a workspace; reset it first');
  }
  const wrapKey = (await loadWrappingKey(db, p.subtle, true))!;
  const secrets: HomeSecrets = { identity: init.identity, localKey: init.localKey ?? crypto.randomBytes(32), config: init.config, keys: init.keys };
  const home = makeHome(crypto, p, db, wrapKey, secrets, null);
  await home.saveConfig(init.config);
  return home;
}

/** Opens the stored home; `E_PASSPHRASE` when locked and the passphrase is missing or wrong. */
export async function openBrowserHome(crypto: CryptoProvider, p: BrowserPlatform, o: { passphrase?: string } = {}): Promise<BrowserHome> {
  const db = await openDatabase(p.indexedDB, p.dbName);
  try {
    const stored = await readRecord(db, HOME);
    if (!isStoredHome(stored)) throw new TendrilError('E_BAD_INPUT', 'this browser holds no workspace');
    const wrapKey = await loadWrappingKey(db, p.subtle, false);
    if (!wrapKey) throw new TendrilError('E_DECRYPT_FAILED', 'the wrapping key of this browser is gone; restore from a backup');
    let data = await unwrap(p.subtle, wrapKey, HOME, stored.data);
    let vault: Secret<Uint8Array> | null = null;
    if (stored.locked) {
      if (o.passphrase === undefined) throw new TendrilError('E_PASSPHRASE', 'this device is locked: enter the passphrase');
      const sealed = await readRecord(db, LOCK);
      if (!(sealed instanceof Uint8Array)) throw new TendrilError('E_BAD_INPUT', 'the lock record is missing');
      vault = await openVaultKey(crypto, o.passphrase, await unwrap(p.subtle, wrapKey, LOCK, sealed), p.passphrase);
      data = vaultOpen(crypto, vault, data);
    }
    return makeHome(crypto, p, db, wrapKey, decodeHomeSecrets(crypto, data), vault);
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Deletes everything this browser holds for Tendril. */
export async function wipeBrowserHome(p: BrowserPlatform): Promise<void> {
  await deleteDatabase(p.indexedDB, p.dbName);
}

function makeHome(crypto: CryptoProvider, p: BrowserPlatform, db: IDBDatabase, wrapKey: CryptoKey, s: HomeSecrets, initialVault: Secret<Uint8Array> | null): BrowserHome {
  let vault = initialVault;
  const stores = new Map<DocId, IdbDocStore>();
  let writes: Promise<void> = Promise.resolve();

  /** Writes the home record (and, when given, the lock record: undefined keeps it, null deletes it) in one transaction. */
  const persist = (lock?: Uint8Array | null): Promise<void> => {
    const plain = encodeHomeSecrets({ identity: home.identity, localKey: home.localKey, config: home.config, keys: home.keys });
    const v = vault;
    writes = writes.then(async () => {
      const data = await wrap(p.subtle, wrapKey, HOME, v ? vaultSeal(crypto, v, plain) : plain);
      await transact(db, Stores.Device, 'readwrite', (tx) => {
        const store = tx.objectStore(Stores.Device);
        store.put({ v: 1, locked: v !== null, data } satisfies StoredHome, HOME);
        if (lock === null) store.delete(LOCK);
        else if (lock !== undefined) store.put(lock, LOCK);
      });
    });
    return writes;
  };

  const home: BrowserHome = {
    identity: s.identity,
    localKey: s.localKey,
    config: s.config,
    keys: s.keys,
    db,
    get locked() {
      return vault !== null;
    },
    async saveConfig(config) {
      home.config = config;
      await persist();
    },
    async saveKeys(keys) {
      home.keys = keys;
      await persist();
    },
    storeFor(doc) {
      let st = stores.get(doc);
      if (!st) stores.set(doc, (st = new IdbDocStore(db, doc)));
      return st;
    },
    async setLock(passphrase) {
      if (passphrase === null) {
        vault = null;
        return persist(null);
      }
      const next = newVaultKey(crypto);
      const sealed = await wrap(p.subtle, wrapKey, LOCK, await sealVaultKey(crypto, passphrase, next, p.passphrase));
      vault = next;
      return persist(sealed);
    },
    unackedCount: () => countOutbox(db),
    close() {
      db.close();
    },
  };
  return home;
}
