/**
 * A device home directory: the device identity and local storage key
 * (`device.json`), the workspace it belongs to (`workspace.json`), the scope
 * keys it holds (`keys.json`), and the local store of sealed envelopes
 * (`local.sqlite`). Secret files are owner-only. An open home holds the
 * home's lock (`home.lock`), so only one process writes it at a time.
 */
import { existsSync } from 'node:fs';
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { deviceIdentityFromJSON, deviceIdentityToJSON, type DeviceIdentity } from '@tendril/crdt-schema/crypto';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { fromBase64Url, toBase64Url } from '@tendril/crdt-schema/ids';
import { workspaceKeysFromJson, workspaceKeysToJson, type WorkspaceKeys } from '@tendril/crdt-schema/keyring';
import type { DeviceHomeState, HomeConfig } from '@tendril/crdt-schema/workspace';
export type { HomeConfig } from '@tendril/crdt-schema/workspace';
import { ensurePrivateDir, homePaths, readJson, writePrivateJson, type HomePaths } from './files.ts';
import { LocalDb } from './sqlite-doc-store.ts';
import { HOME_LOCK_WAIT_MS, lockHome, waitForHomeLock, type HomeLock } from './home-lock.ts';

/** A home directory: the platform-neutral home state, plus its paths and SQLite store. */
export interface DeviceHome extends DeviceHomeState {
  readonly paths: HomePaths;
  config: HomeConfig;
  keys: WorkspaceKeys;
  readonly db: LocalDb;
  saveConfig(config: HomeConfig): void;
  saveKeys(keys: WorkspaceKeys): void;
  close(): void;
}

interface DeviceFile {
  readonly identity: unknown;
  readonly localKey: string;
}

/** Writes a new home; fails if one exists there already. */
export function createHome(crypto: CryptoProvider, dir: string, identity: DeviceIdentity, config: HomeConfig, keys: WorkspaceKeys): DeviceHome {
  const paths = homePaths(dir);
  if (existsSync(paths.workspace)) throw new TendrilError('E_BAD_INPUT', `${dir} already holds a workspace; use another --home`);
  ensurePrivateDir(dir);
  writePrivateJson(paths.device, { identity: deviceIdentityToJSON(identity), localKey: toBase64Url(crypto.randomBytes(32)) } satisfies DeviceFile);
  writePrivateJson(paths.keys, workspaceKeysToJson(keys));
  writePrivateJson(paths.workspace, config);
  return openHome(crypto, dir);
}

/** Opens a home, first taking its lock: E_HOME_IN_USE at once when another process (or another open of it here) holds it. */
export function openHome(crypto: CryptoProvider, dir: string): DeviceHome {
  const paths = homePaths(dir);
  if (!existsSync(paths.device)) readJson(paths.device, 'device keys');
  return withLock(crypto, paths, lockHome(paths.lock, dir));
}

/** Opens a home once no other process uses it, waiting up to `waitMs` without blocking (then E_HOME_IN_USE). */
export async function openHomeWhenFree(crypto: CryptoProvider, dir: string, waitMs = HOME_LOCK_WAIT_MS): Promise<DeviceHome> {
  const paths = homePaths(dir);
  if (!existsSync(paths.device)) readJson(paths.device, 'device keys');
  return withLock(crypto, paths, await waitForHomeLock(paths.lock, dir, waitMs));
}

function withLock(crypto: CryptoProvider, paths: HomePaths, lock: HomeLock): DeviceHome {
  try {
    return openLocked(crypto, paths, () => lock.release());
  } catch (err) {
    lock.release();
    throw err;
  }
}

function openLocked(crypto: CryptoProvider, paths: HomePaths, unlock: () => void): DeviceHome {
  const device = readJson<DeviceFile>(paths.device, 'device keys');
  const config = readJson<HomeConfig>(paths.workspace, 'workspace config');
  const keys = workspaceKeysFromJson(crypto, readJson(paths.keys, 'workspace keys'));
  const home: DeviceHome = {
    paths,
    identity: deviceIdentityFromJSON(crypto, device.identity),
    localKey: fromBase64Url(device.localKey),
    config,
    keys,
    db: new LocalDb(paths.db),
    saveConfig(c) {
      writePrivateJson(paths.workspace, c);
      home.config = c;
    },
    saveKeys(k) {
      writePrivateJson(paths.keys, workspaceKeysToJson(k));
      home.keys = k;
    },
    storeFor: (doc) => home.db.store(doc),
    close() {
      try {
        home.db.close();
      } finally {
        unlock();
      }
    },
  };
  return home;
}
