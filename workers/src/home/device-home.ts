/**
 * A device home directory: the device identity and local storage key
 * (`device.json`), the workspace it belongs to (`workspace.json`), the scope
 * keys it holds (`keys.json`), and the local store of sealed envelopes
 * (`local.sqlite`). Secret files are owner-only.
 */
import { existsSync } from 'node:fs';
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { deviceIdentityFromJSON, deviceIdentityToJSON, type DeviceIdentity } from '@tendril/crdt-schema/crypto';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { fromBase64Url, toBase64Url, type DeviceId, type DocId, type WorkspaceId } from '@tendril/crdt-schema/ids';
import { workspaceKeysFromJson, workspaceKeysToJson, type Role, type WorkspaceKeys } from '@tendril/crdt-schema/keyring';
import { ensurePrivateDir, homePaths, readJson, writePrivateJson, type HomePaths } from './files.ts';
import { LocalDb } from './sqlite-doc-store.ts';

/** The workspace documents every member knows by id. */
export interface WellKnownDocs {
  readonly index: DocId;
  readonly settings: DocId;
  readonly permissions: DocId;
}

export interface HomeConfig {
  readonly v: 1;
  readonly workspace: WorkspaceId;
  readonly workspaceName: string;
  /** The relay's http(s) base URL, e.g. http://127.0.0.1:8787. */
  readonly relay: string;
  readonly deviceName: string;
  readonly role: Role;
  /** Admins trusted without a certificate (the workspace creator). */
  readonly rootAdmins: readonly DeviceId[];
  readonly docs: WellKnownDocs;
  /** False until the relay accepted this workspace's registration (creator only). */
  readonly registered: boolean;
}

export interface DeviceHome {
  readonly paths: HomePaths;
  readonly identity: DeviceIdentity;
  readonly localKey: Uint8Array;
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

export function openHome(crypto: CryptoProvider, dir: string): DeviceHome {
  const paths = homePaths(dir);
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
    close() {
      home.db.close();
    },
  };
  return home;
}

/** The relay's WebSocket sync URL for an http(s) or ws(s) base URL. */
export function syncUrl(relay: string): string {
  const u = new URL(relay);
  u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
  u.pathname = '/sync';
  u.hash = '';
  u.search = '';
  return u.toString();
}

/** The relay's http(s) base URL (no trailing slash). */
export function httpUrl(relay: string): string {
  const u = new URL(relay);
  u.protocol = u.protocol === 'wss:' || u.protocol === 'https:' ? 'https:' : 'http:';
  u.pathname = '';
  u.hash = '';
  u.search = '';
  return u.toString().replace(/\/$/, '');
}
