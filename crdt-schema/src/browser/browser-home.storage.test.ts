import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../ids.ts';
import { loadCrypto } from '../crypto/load.ts';
import { isTendrilError } from '../errors.ts';
import { newWorkspace } from '../workspace/flows/create.ts';
import { createBrowserHome, openBrowserHome, probeHome, wipeBrowserHome, type BrowserPlatform } from './browser-home.ts';
import { openDatabase, request, Stores, transact } from './idb.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });
/** Cheap Argon2id for tests: the floor is lowered with the cost, as the passphrase module requires. */
const cheap = { params: { opsLimit: 1, memLimit: 8192 }, limits: { min: { opsLimit: 1, memLimit: 8192 }, max: { opsLimit: 4, memLimit: 1 << 20 } } };
const CANARY = 'canary-browser-home-7d1f';

function platform(): BrowserPlatform {
  return { indexedDB: new IDBFactory(), subtle: globalThis.crypto.subtle, passphrase: cheap };
}

function fresh() {
  return newWorkspace(crypto, { relay: 'http://127.0.0.1:8787', deviceName: `laptop ${CANARY}`, workspaceName: `plans ${CANARY}` });
}

/** Every value in the device store, as bytes or a JSON string, to search for leaked plaintext. */
async function dump(p: BrowserPlatform): Promise<Uint8Array[]> {
  const db = await openDatabase(p.indexedDB);
  const values = (await transact(db, Stores.Device, 'readonly', (tx) => request(tx.objectStore(Stores.Device).getAll()))) as unknown[];
  db.close();
  const enc = new TextEncoder();
  return values.map((v) => (v instanceof Uint8Array ? v : v && typeof v === 'object' && 'data' in v ? (v as { data: Uint8Array }).data : enc.encode(JSON.stringify(v))));
}

const contains = (hay: Uint8Array, needle: Uint8Array): boolean => {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
};

describe('browser home', () => {
  it('round-trips identity, local key, config and keys through IndexedDB', async () => {
    const p = platform();
    expect(await probeHome(p)).toBe('none');
    const ws = fresh();
    const home = await createBrowserHome(crypto, p, ws);
    home.close();
    expect(await probeHome(p)).toBe('unlocked');
    const again = await openBrowserHome(crypto, p);
    expect(again.identity.deviceId).toBe(ws.identity.deviceId);
    expect(again.localKey).toEqual(home.localKey);
    expect(again.config).toEqual(ws.config);
    expect([...again.keys.keys()]).toEqual([...ws.keys.keys()]);
    await again.saveConfig({ ...again.config, registered: true });
    again.close();
    expect((await openBrowserHome(crypto, p)).config.registered).toBe(true);
  });

  it('stores no secret or name in the clear, and the wrapping key cannot be exported', async () => {
    const p = platform();
    const ws = fresh();
    (await createBrowserHome(crypto, p, ws)).close();
    const seed = ws.identity.signSecretKey.expose().subarray(0, 32);
    const needles = [seed, new TextEncoder().encode(toBase64Url(seed)), new TextEncoder().encode(CANARY)];
    for (const value of await dump(p)) for (const n of needles) expect(contains(value, n)).toBe(false);
    const db = await openDatabase(p.indexedDB);
    const key = (await transact(db, Stores.Device, 'readonly', (tx) => request(tx.objectStore(Stores.Device).get('wrap')))) as CryptoKey;
    db.close();
    expect(key.extractable).toBe(false);
    await expect(globalThis.crypto.subtle.exportKey('raw', key)).rejects.toThrow();
  });

  it('locks with a passphrase: opening then needs it, a wrong one is E_PASSPHRASE', async () => {
    const p = platform();
    const home = await createBrowserHome(crypto, p, fresh());
    await home.setLock('correct horse');
    expect(home.locked).toBe(true);
    await home.saveKeys(home.keys);
    home.close();
    expect(await probeHome(p)).toBe('locked');
    const code = (e: unknown) => (isTendrilError(e) ? e.code : String(e));
    await expect(openBrowserHome(crypto, p).catch(code)).resolves.toBe('E_PASSPHRASE');
    await expect(openBrowserHome(crypto, p, { passphrase: 'wrong' }).catch(code)).resolves.toBe('E_PASSPHRASE');
    const open = await openBrowserHome(crypto, p, { passphrase: 'correct horse' });
    expect(open.identity.deviceId).toBe(home.identity.deviceId);
    await open.setLock(null);
    open.close();
    expect(await probeHome(p)).toBe('unlocked');
    (await openBrowserHome(crypto, p)).close();
  });

  it('refuses a second home and forgets everything on wipe', async () => {
    const p = platform();
    (await createBrowserHome(crypto, p, fresh())).close();
    await expect(createBrowserHome(crypto, p, fresh())).rejects.toThrow(/already holds/);
    await wipeBrowserHome(p);
    expect(await probeHome(p)).toBe('none');
  });
});
