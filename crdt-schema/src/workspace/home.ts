/**
 * What a device keeps about its workspace, whatever the platform: the device
 * identity and local storage key, the workspace config, the scope keys, and a
 * local store per document. Node homes keep it in files and SQLite; the
 * browser in IndexedDB under a non-extractable WebCrypto key.
 */
import type { DeviceIdentity } from '../crypto/keys.ts';
import type { DeviceId, DocId, WorkspaceId } from '../ids.ts';
import type { Role } from '../keyring/scopes.ts';
import type { WorkspaceKeys } from '../keyring/workspace-keys.ts';
import type { DocStore } from '../sync/doc-store.ts';

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

export interface DeviceHomeState {
  readonly identity: DeviceIdentity;
  /** Seals this device's at-rest document state. */
  readonly localKey: Uint8Array;
  readonly config: HomeConfig;
  readonly keys: WorkspaceKeys;
  saveConfig(config: HomeConfig): void | Promise<void>;
  saveKeys(keys: WorkspaceKeys): void | Promise<void>;
  storeFor(doc: DocId): DocStore;
  close(): void | Promise<void>;
}
