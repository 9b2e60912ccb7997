/**
 * A device's session in its workspace, on any platform: the home's identity
 * and keys wired to a WorkspacePeer, with the member directory read from the
 * synced workspace index, joiners' self-enrollment admitted, new key epochs
 * adopted from lockboxes after a revocation, and typed access to the
 * workspace's documents. Node and the browser differ only in the home and the
 * WebSocket they pass in.
 */
import * as Y from 'yjs';
import type { CryptoProvider } from '../crypto/provider.ts';
import { openLockbox } from '../crypto/lockbox.ts';
import { TendrilError } from '../errors.ts';
import type { ChatId, DeviceId, DocId } from '../ids.ts';
import { ALL_SCOPES, Scope } from '../keyring/scopes.ts';
import { mergeWorkspaceKeys, scopeKeyId } from '../keyring/workspace-keys.ts';
import { deriveDocKeys, type DocKeyView } from '../keyring/doc-keys.ts';
import { sendAdminSetCaps } from './admin-caps.ts';
import { chatDoc, gatewayAdminDoc, memoryDoc, permissionsDoc, settingsDoc, tasksDoc, workspaceDoc } from '../schema/index.ts';
import { GATEWAY_ADMIN_SCOPE, gatewayAdminDocId } from './gateway-admin-id.ts';
import { MEMORY_SCOPE, memoryDocId } from './memory-doc.ts';
import { TASKS_SCOPE, tasksDocId } from './tasks-doc.ts';
import type { DocSync } from '../sync/doc-sync.ts';
import type { WebSocketConstructor } from '../sync/relay-client.ts';
import type { DeviceHomeState } from './home.ts';
import { createDirectory } from './membership.ts';
import { DocGrants } from './doc-grants.ts';
import type { Directory } from './directory.ts';
import { WorkspacePeer } from './peer.ts';
import { syncUrl } from './urls.ts';
import { BlobClient } from '../blobs/blob-client.ts';
import { AttachmentStore, type SealedBlobCache } from './attachment-store.ts';

export interface SessionOptions {
  readonly clientName: string;
  readonly WebSocket: WebSocketConstructor;
  /** Overrides the relay base URL from the home (tests, proxies). */
  readonly relay?: string;
  readonly snapshotEvery?: number;
  /** Where fetched attachment blobs (sealed) are kept on this device; default in memory. */
  readonly blobCache?: SealedBlobCache;
}

function memberRows(index: Y.Doc | null) {
  if (!index) return [];
  return workspaceDoc(index)
    .members.list({ includeRevoked: true })
    .map((m) => ({ device: m.device, cert: m.cert, revocationCert: m.revocationCert }));
}

export class WorkspaceSession {
  readonly peer: WorkspacePeer;
  readonly home: DeviceHomeState;
  private indexSync: DocSync | null = null;
  private readonly directory;
  /** Single documents granted to this device beyond its role (workspace/doc-grants.ts). */
  readonly grants: DocGrants;

  /** The crypto provider the session seals and verifies with. */
  readonly crypto: CryptoProvider;
  /** Stored blobs at the relay (attachments, backups), over this session's connection. */
  readonly blobs: BlobClient;
  /** Chat attachments: sealed under each chat's keys, stored as blobs, opened on demand. */
  readonly attachments: AttachmentStore;

  private constructor(crypto: CryptoProvider, home: DeviceHomeState, o: SessionOptions) {
    this.crypto = crypto;
    this.home = home;
    const directoryOf = (index: () => Y.Doc | null) =>
      createDirectory({ crypto, workspace: home.config.workspace, rootAdmins: home.config.rootAdmins, rows: () => memberRows(index()) });
    this.directory = directoryOf(() => this.indexSync?.ydoc ?? null);
    // A joiner's first index entry carries its own membership: admit it when, applied to a copy of
    // the index, it yields a verified certificate for exactly that author.
    const admitEnrollment = (author: DeviceId, update: Uint8Array): boolean => {
      const current = this.indexSync?.ydoc;
      if (!current) return false;
      const scratch = new Y.Doc();
      Y.applyUpdate(scratch, Y.encodeStateAsUpdate(current));
      Y.applyUpdate(scratch, update);
      const m = directoryOf(() => scratch).member(author);
      return m !== undefined && m.revokedAtEpoch === undefined;
    };
    this.grants = new DocGrants(crypto, home.identity, () => (this.indexSync ? this.workspace() : null), this.directory);
    const register = home.config.role === 'admin' && !home.config.registered ? { admins: [home.identity.signPublicKey] } : undefined;
    this.peer = new WorkspacePeer({
      crypto,
      identity: home.identity,
      workspace: home.config.workspace,
      keys: () => home.keys,
      directory: this.directory,
      localKey: home.localKey,
      storeFor: (doc: DocId) => home.storeFor(doc),
      relay: { url: syncUrl(o.relay ?? home.config.relay), WebSocket: o.WebSocket, clientName: o.clientName, ...(register ? { register } : {}) },
      ...(o.snapshotEvery !== undefined ? { snapshotEvery: o.snapshotEvery } : {}),
      onDocProblem: (sync, problem) => {
        if (problem.code === 'E_DOC_EXISTS') this.reclaimDoc(sync);
      },
      admitEnrollment,
      grantFor: (doc, scope) => this.grants.viewFor(doc, scope),
    });
    this.peer.relay.on('state', (s) => {
      if (s === 'open' && !home.config.registered) void home.saveConfig({ ...home.config, registered: true });
    });
    this.blobs = new BlobClient(this.peer.relay);
    this.attachments = new AttachmentStore({ crypto, blobs: this.blobs, keysFor: (chat) => this.chatKeys(chat), ...(o.blobCache ? { cache: o.blobCache } : {}) });
  }

  /** The keys of a chat's document: derived from the chats scope, or a grant of that one chat. */
  chatKeys(chat: ChatId): DocKeyView {
    const entry = this.workspace().chats.get(chat);
    if (!entry) throw new TendrilError('E_BAD_INPUT', `no chat ${chat} in this workspace`);
    const scope = this.home.keys.get(Scope.Chats);
    if (scope) return deriveDocKeys(this.crypto, scope, entry.docId);
    const granted = this.grants.viewFor(entry.docId, Scope.Chats);
    if (!granted) throw new TendrilError('E_KEY_MISSING', `this device holds no keys for chat ${chat}`);
    return granted();
  }

  /** Opens the home's workspace index (always synced first: it names members and documents). */
  static async open(crypto: CryptoProvider, home: DeviceHomeState, o: SessionOptions): Promise<WorkspaceSession> {
    const p = new WorkspaceSession(crypto, home, o);
    p.indexSync = await p.peer.openDoc({ doc: home.config.docs.index, scope: Scope.Index });
    p.indexSync.ydoc.on('update', () => {
      p.directory.invalidate();
      p.adoptLockboxes();
      if (p.grants.refresh((doc) => p.peer.scopeOf(doc))) p.peer.relay.reconnect();
      p.peer.retryHeld();
    });
    p.adoptLockboxes();
    return p;
  }

  /**
   * Takes new key epochs an admin sealed to this device (after a revocation): opens each lockbox
   * addressed here whose epoch this device lacks, merges the keys, saves them, and reconnects so
   * every document resubscribes with the new capabilities.
   */
  private adoptLockboxes(): void {
    const { crypto, home } = this;
    let changed = false;
    for (const lb of this.workspace().lockboxes.forDevice(home.identity.deviceId)) {
      const scope = ALL_SCOPES.find((s) => scopeKeyId(crypto, home.config.workspace, s) === lb.docId);
      if (!scope || home.keys.get(scope)?.epochs.has(lb.epoch)) continue;
      try {
        const { keys } = openLockbox(crypto, lb.sealed, { recipient: home.identity, trustSender: (d) => this.directory.member(d)?.role === 'admin' });
        void home.saveKeys(mergeWorkspaceKeys(home.keys, new Map([[scope, keys]])));
        changed = true;
      } catch {
        // Not for this device's current key, or not from an admin: ignored, never applied.
      }
    }
    if (changed) this.peer.relay.reconnect();
  }

  /**
   * The relay holds other capability keys for a document this device opened: an admin takes it
   * back (admin-signed SetCaps with its own keys, nobody else keeps reading with the replaced ones)
   * and resubscribes; once per document and connection. Any other device keeps the problem, which
   * names the way out (docs/ERRORS.md: an admin device recovers it by syncing). A refusal (the relay
   * does not know this device as an admin, or its keys are stale: E_CAPS_RETIRED) is reported on
   * the document like any other.
   */
  private readonly reclaimed = new Map<DocId, string>();
  private reclaimDoc(sync: DocSync): void {
    const { home, crypto } = this;
    const nonce = this.peer.relay.nonce;
    const scope = this.peer.scopeOf(sync.doc);
    const keys = scope ? home.keys.get(scope) : undefined;
    if (home.config.role !== 'admin' || !nonce || !keys?.writeCap.secretKey) return;
    const connection = nonce.join('.');
    if (this.reclaimed.get(sync.doc) === connection) return;
    this.reclaimed.set(sync.doc, connection);
    const view = deriveDocKeys(crypto, keys, sync.doc);
    if (!view.writeCap) return;
    sendAdminSetCaps(crypto, this.peer.relay, home.identity, {
      workspace: home.config.workspace, doc: sync.doc, writeKey: view.writeCap.publicKey, readKey: view.readCap.publicKey, readers: [],
    });
    sync.resubscribe();
  }

  scopeOf(doc: DocId): Scope | undefined {
    return this.peer.scopeOf(doc);
  }

  /** Who may do what in this workspace, from the verified membership certificates in the index. */
  get members(): Directory {
    return this.directory;
  }

  get index(): DocSync {
    return this.indexSync!;
  }
  workspace(): ReturnType<typeof workspaceDoc> {
    return workspaceDoc(this.index.ydoc, { origin: 'local' });
  }

  async openChat(chat: ChatId): Promise<{ sync: DocSync; chat: ReturnType<typeof chatDoc> }> {
    const entry = this.workspace().chats.get(chat);
    if (!entry) throw new TendrilError('E_BAD_INPUT', `no chat ${chat} in this workspace (try \`tendril sync\` first)`);
    const sync = await this.peer.openDoc({ doc: entry.docId, scope: Scope.Chats });
    return { sync, chat: chatDoc(sync.ydoc) };
  }

  async openSettings(): Promise<{ sync: DocSync; settings: ReturnType<typeof settingsDoc> }> {
    const sync = await this.peer.openDoc({ doc: this.home.config.docs.settings, scope: Scope.Settings });
    return { sync, settings: settingsDoc(sync.ydoc) };
  }

  async openPermissions(): Promise<{ sync: DocSync; permissions: ReturnType<typeof permissionsDoc> }> {
    const sync = await this.peer.openDoc({ doc: this.home.config.docs.permissions, scope: Scope.Permissions });
    return { sync, permissions: permissionsDoc(sync.ydoc) };
  }

  /** An agent's memory document (by agent id, or the general assistant's plugin id); needs the chats keys. */
  async openMemory(agent: string): Promise<{ sync: DocSync; memory: ReturnType<typeof memoryDoc> }> {
    if (!this.home.keys.has(MEMORY_SCOPE)) throw new TendrilError('E_KEY_MISSING', 'this device holds no chat keys, so it cannot open an agent\'s memory');
    const sync = await this.peer.openDoc({ doc: memoryDocId(this.crypto, this.home.config.workspace, agent), scope: MEMORY_SCOPE });
    return { sync, memory: memoryDoc(sync.ydoc) };
  }

  /** A gateway's administration document (schema/gateway-admin.ts); needs the terminal keys. */
  async openGatewayAdmin(gateway: DeviceId): Promise<{ sync: DocSync; admin: ReturnType<typeof gatewayAdminDoc> }> {
    if (!this.home.keys.has(GATEWAY_ADMIN_SCOPE)) throw new TendrilError('E_KEY_MISSING', 'this device holds no terminal keys, so it cannot reach a gateway\'s administration');
    const sync = await this.peer.openDoc({ doc: gatewayAdminDocId(this.crypto, this.home.config.workspace, gateway), scope: GATEWAY_ADMIN_SCOPE });
    return { sync, admin: gatewayAdminDoc(sync.ydoc) };
  }

  /** The workspace's Tasks document (tasks plugins found, upcoming calendar events); needs the chats keys. */
  async openTasks(): Promise<{ sync: DocSync; tasks: ReturnType<typeof tasksDoc> }> {
    if (!this.home.keys.has(TASKS_SCOPE)) throw new TendrilError('E_KEY_MISSING', 'this device holds no chat keys, so it cannot open the Tasks document');
    const sync = await this.peer.openDoc({ doc: tasksDocId(this.crypto, this.home.config.workspace), scope: TASKS_SCOPE });
    return { sync, tasks: tasksDoc(sync.ydoc) };
  }

  /** Throws E_FORBIDDEN unless this device may write documents of the scope. */
  requireWrite(scope: Scope): void {
    if (!this.home.keys.get(scope)?.writeCap.secretKey) throw new TendrilError('E_FORBIDDEN', `this device (${this.home.config.role}) may not write ${scope} documents`);
  }

  /** Opens every document of the workspace this device holds keys for; returns how many besides the index. */
  async openAll(): Promise<number> {
    const keys = this.home.keys;
    let n = 0;
    if (keys.has(Scope.Settings)) n += (await this.openSettings(), 1);
    if (keys.has(Scope.Permissions)) n += (await this.openPermissions(), 1);
    if (keys.has(Scope.Chats)) for (const c of this.workspace().chats.list()) n += (await this.openChat(c.id), 1);
    if (keys.has(Scope.Terminals)) for (const t of this.workspace().sessions.list()) n += (await this.peer.openDoc({ doc: t.docId, scope: Scope.Terminals }), 1);
    return n;
  }

  connect(): void {
    this.peer.connect();
  }

  /**
   * Pushes queued changes and pulls; 'synced' once every open document is caught up with nothing
   * unacknowledged, 'queued' when the relay cannot be reached in time (changes stay in the outbox).
   */
  async syncOrQueue(timeoutMs: number): Promise<'synced' | 'queued'> {
    for (const d of this.peer.docs()) await d.flush();
    this.connect();
    try {
      await this.peer.whenSynced(timeoutMs);
      this.lastSyncFailure = null;
      return 'synced';
    } catch (e) {
      if (e instanceof TendrilError && (e.code === 'E_OFFLINE' || e.code === 'E_TIMEOUT')) {
        this.lastSyncFailure = e;
        return 'queued';
      }
      throw e;
    }
  }

  /** Why the last syncOrQueue returned 'queued': the relay unreachable, or a document stuck (with its error). */
  lastSyncFailure: TendrilError | null = null;

  async close(): Promise<void> {
    await this.peer.close();
    await this.home.close();
  }
}

