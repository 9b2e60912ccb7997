/**
 * Tendril devices for benchmarks, built from the shared core the way
 * WorkspacePeer.openDoc builds them (RelayClient + DocSync + the real
 * DocCipher over workspace scope keys), with an in-memory DocStore and the
 * DocSync knobs exposed (coalesceMs, snapshotEvery, verifyLiveOffThread). Every envelope is sealed,
 * signed, verified and decrypted for real.
 *
 * Membership: instead of certificates in a synced index, the bench directory
 * is a set of device ids with the `device` role; a directory lookup per
 * envelope is a map lookup either way.
 */
import WebSocket from 'ws';
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { generateDeviceIdentity, type DeviceIdentity } from '@tendril/crdt-schema/crypto';
import { newDocId, newWorkspaceId, toBase64Url, type DeviceId, type DocId, type WorkspaceId } from '@tendril/crdt-schema/ids';
import { deriveDocKeys, generateWorkspaceKeys, keysForRole, Scope, type WorkspaceKeys } from '@tendril/crdt-schema/keyring';
import { createCounterTracker } from '@tendril/crdt-schema/envelope';
import { enrolBytes } from '@tendril/crdt-schema/wire';
import { DocSync, MemoryDocStore, RelayClient, type DocCipher, type DocStore, type SyncMeta, type WebSocketConstructor } from '@tendril/crdt-schema/sync';
import { createDocCipher, type Directory, type MemberRecord } from '@tendril/crdt-schema/workspace';
import * as Y from 'yjs';

export interface BenchWorkspace {
  readonly crypto: CryptoProvider;
  readonly workspace: WorkspaceId;
  readonly keys: WorkspaceKeys;
  /** The device whose first hello registers the workspace on the relay. */
  readonly admin: DeviceIdentity;
  readonly directory: Directory & { add(device: DeviceId): void };
}

export function createBenchWorkspace(crypto: CryptoProvider): BenchWorkspace {
  const workspace = newWorkspaceId();
  const members = new Map<DeviceId, MemberRecord>();
  const directory = {
    member: (device: DeviceId) => members.get(device),
    add: (device: DeviceId) => void members.set(device, { role: 'device' }),
  };
  const admin = generateDeviceIdentity(crypto);
  members.set(admin.deviceId, { role: 'admin' });
  return { crypto, workspace, keys: generateWorkspaceKeys(crypto, workspace), admin, directory };
}

/** A new member device of the workspace. */
export function newMember(ws: BenchWorkspace): DeviceIdentity {
  const id = generateDeviceIdentity(ws.crypto);
  ws.directory.add(id.deviceId);
  return id;
}

/** ws://host:port/sync for a relay base URL. */
export const syncUrlOf = (relayUrl: string): string => `${relayUrl.replace(/^http/, 'ws')}/sync`;

export interface DeviceDocOptions {
  readonly ws: BenchWorkspace;
  readonly relayUrl: string;
  readonly identity: DeviceIdentity;
  readonly doc: DocId;
  readonly scope?: Scope;
  /** This device's hello registers the workspace (the first device only). */
  readonly register?: boolean;
  /** Holds the scope's read capability only. */
  readonly readOnly?: boolean;
  readonly coalesceMs?: number;
  readonly snapshotEvery?: number;
  /** DocSync's verifyLiveOffThread; undefined keeps its default. */
  readonly verifyLiveOffThread?: boolean;
  readonly clientName?: string;
  /** Local store; default a fresh MemoryDocStore. */
  readonly store?: DocStore;
}

/** A MemoryDocStore that counts the sealed whole-state saves (compactions) DocSync makes; each one re-encodes the whole document. */
export class CountingDocStore extends MemoryDocStore {
  saves = 0;
  savedBytes = 0;
  override async compact(state: Uint8Array, through: number, meta: SyncMeta): Promise<void> {
    this.saves++;
    this.savedBytes += state.length;
    await super.compact(state, through, meta);
  }
}

export interface DeviceDoc {
  readonly sync: DocSync;
  /** The device's cipher for this document (to seal a snapshot by hand, as DocSync does). */
  readonly cipher: DocCipher;
  readonly relay: RelayClient;
  readonly ydoc: Y.Doc;
  close(): Promise<void>;
}

/** One device following one document through the relay; connects at once. */
export async function openDeviceDoc(o: DeviceDocOptions): Promise<DeviceDoc> {
  const { ws, identity } = o;
  const scope = o.scope ?? Scope.Chats;
  const keys = o.readOnly ? keysForRole(ws.keys, 'viewer') : ws.keys;
  const relay = new RelayClient({
    url: syncUrlOf(o.relayUrl),
    workspace: ws.workspace,
    device: { id: identity.deviceId, publicKey: identity.signPublicKey, sign: (m) => ws.crypto.sign(m, identity.signSecretKey.expose()) },
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    clientName: o.clientName ?? 'bench',
    ...(o.register ? { register: { admins: [identity.signPublicKey] } } : {}),
  });
  const cipher = createDocCipher({
    crypto: ws.crypto,
    identity,
    doc: o.doc,
    scope,
    keys: () => keys.get(scope)!,
    directory: ws.directory,
    localKey: ws.crypto.randomBytes(32),
  });
  const sync = await DocSync.open({
    doc: o.doc,
    ydoc: new Y.Doc({ gc: true }),
    cipher,
    store: o.store ?? new MemoryDocStore(),
    counters: createCounterTracker(),
    ...(o.coalesceMs !== undefined ? { coalesceMs: o.coalesceMs } : {}),
    ...(o.snapshotEvery !== undefined ? { snapshotEvery: o.snapshotEvery } : {}),
    ...(o.verifyLiveOffThread !== undefined ? { verifyLiveOffThread: o.verifyLiveOffThread } : {}),
  });
  relay.add(sync);
  relay.connect();
  return {
    sync,
    cipher,
    relay,
    ydoc: sync.ydoc,
    async close() {
      await sync.close();
      relay.destroy();
    },
  };
}

/** Makes `identity` a member at the relay by the admin's signature (only members store or register anything). */
export async function enrolMember(ws: BenchWorkspace, admin: DeviceDoc, identity: DeviceIdentity): Promise<void> {
  const device = identity.signPublicKey;
  await admin.relay.enrol({ workspace: ws.workspace, device, signer: ws.admin.deviceId, token: new Uint8Array(0), signature: ws.crypto.sign(enrolBytes(ws.workspace, device), ws.admin.signSecretKey.expose()) });
}

/** What a light (protocol-only) reader needs to subscribe to a document with its read capability. */
export interface ReadGrant {
  readonly workspace: WorkspaceId;
  readonly doc: DocId;
  /** base64url of the document's read-capability Ed25519 secret key (64 bytes). */
  readonly readCapSecret: string;
}

export function readGrant(ws: BenchWorkspace, doc: DocId, scope: Scope = Scope.Chats): ReadGrant {
  const view = deriveDocKeys(ws.crypto, ws.keys.get(scope)!, doc);
  return { workspace: ws.workspace, doc, readCapSecret: toBase64Url(view.readCap.secretKey) };
}

export { newDocId };
