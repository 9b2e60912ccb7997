/**
 * A device's view of one workspace: its relay connection and the documents it
 * has open, each bound through a DocSync with a cipher derived from the scope
 * keys. The same class serves the CLI, gateways, workers and the browser; the
 * platform parts (WebSocket, local store, crypto) are injected.
 */
import * as Y from 'yjs';
import type { CryptoProvider } from '../crypto/provider.ts';
import type { DeviceIdentity } from '../crypto/keys.ts';
import type { DeviceId, DocId, WorkspaceId } from '../ids.ts';
import { TendrilError } from '../errors.ts';
import type { Scope } from '../keyring/scopes.ts';
import type { WorkspaceKeys } from '../keyring/workspace-keys.ts';
import type { DocKeyView } from '../keyring/doc-keys.ts';
import { DocSync } from '../sync/doc-sync.ts';
import type { DocStore } from '../sync/doc-store.ts';
import { RelayClient, type WebSocketConstructor } from '../sync/relay-client.ts';
import type { SyncProblem } from '../sync/status.ts';
import { createDocCipher } from './cipher.ts';
import { createCounterTracker } from '../envelope/counters.ts';
import type { Directory } from './directory.ts';

export interface DocRef {
  readonly doc: DocId;
  readonly scope: Scope;
}

export interface WorkspacePeerOptions {
  readonly crypto: CryptoProvider;
  readonly identity: DeviceIdentity;
  readonly workspace: WorkspaceId;
  /** The key sets held now; read on every seal/open, so a rotation takes effect at once. */
  readonly keys: () => WorkspaceKeys;
  /** Members and their roles, from the synced index. */
  readonly directory: Directory;
  /** The device's key for sealing local state at rest. */
  readonly localKey: Uint8Array;
  readonly storeFor: (doc: DocId) => DocStore;
  readonly relay: {
    readonly url: string;
    readonly WebSocket: WebSocketConstructor;
    readonly clientName: string;
    readonly accessCode?: string;
    readonly register?: { admins: Uint8Array[] };
  };
  readonly snapshotEvery?: number;
  /**
   * Keys for a document whose scope this device does not hold, granted to it alone (a lockbox in
   * the index; see workspace/doc-grants.ts), or undefined when there is no such grant.
   */
  readonly grantFor?: (doc: DocId, scope: Scope) => (() => DocKeyView) | undefined;
  /** See DocCipherOptions.admitEnrollment; used for index documents. */
  readonly admitEnrollment?: (author: DeviceId, update: Uint8Array) => boolean;
  /** Called with each problem of an open document (after it is noted). */
  readonly onDocProblem?: (sync: DocSync, problem: SyncProblem) => void;
}

/** Problems a peer keeps for its status (the oldest are dropped past this). */
export const MAX_PROBLEMS = 1000;

export class WorkspacePeer {
  readonly relay: RelayClient;
  private readonly o: WorkspacePeerOptions;
  private readonly open = new Map<DocId, { sync: DocSync; scope: Scope }>();
  private readonly opening = new Map<DocId, Promise<DocSync>>();
  private readonly problems: SyncProblem[] = [];

  constructor(o: WorkspacePeerOptions) {
    this.o = o;
    const sk = o.identity.signSecretKey;
    this.relay = new RelayClient({
      ...o.relay,
      workspace: o.workspace,
      device: { id: o.identity.deviceId, publicKey: o.identity.signPublicKey, sign: (m) => o.crypto.sign(m, sk.expose()) },
    });
    this.relay.on('problem', (p) => this.note(p));
  }

  /** Problems seen so far (relay misbehaviour, refused frames): the latest MAX_PROBLEMS, plus how many were dropped. */
  get seenProblems(): readonly SyncProblem[] {
    return this.problems;
  }

  /** Problems seen in all, including those no longer kept. */
  get problemCount(): number {
    return this.dropped + this.problems.length;
  }

  private dropped = 0;

  private note(p: SyncProblem): void {
    this.problems.push(p);
    // A relay that keeps misbehaving must not grow a long-lived peer's memory: keep the latest.
    if (this.problems.length > MAX_PROBLEMS) {
      const over = this.problems.length - MAX_PROBLEMS;
      this.problems.splice(0, over);
      this.dropped += over;
    }
  }

  /**
   * Opens (or returns) the synced Y.Doc for a document; it subscribes once connected. Concurrent
   * calls for one document share one opening, so there is never a second, unsubscribed copy.
   */
  openDoc(ref: DocRef): Promise<DocSync> {
    const have = this.open.get(ref.doc);
    if (have) return Promise.resolve(have.sync);
    let opening = this.opening.get(ref.doc);
    if (!opening) {
      opening = this.createDoc(ref).finally(() => this.opening.delete(ref.doc));
      this.opening.set(ref.doc, opening);
    }
    return opening;
  }

  private async createDoc(ref: DocRef): Promise<DocSync> {
    const o = this.o;
    const held = o.keys().has(ref.scope);
    const granted = held ? undefined : o.grantFor?.(ref.doc, ref.scope);
    if (!held && !granted) throw new TendrilError('E_KEY_MISSING', `this device holds no ${ref.scope} keys and no grant for document ${ref.doc}`);
    const cipher = createDocCipher({
      crypto: o.crypto,
      identity: o.identity,
      doc: ref.doc,
      scope: ref.scope,
      ...(granted ? { granted } : { keys: () => o.keys().get(ref.scope)! }),
      directory: o.directory,
      localKey: o.localKey,
      ...(ref.scope === 'index' && o.admitEnrollment ? { admitEnrollment: o.admitEnrollment } : {}),
    });
    const sync = await DocSync.open({
      doc: ref.doc,
      ydoc: new Y.Doc({ gc: true }),
      cipher,
      store: o.storeFor(ref.doc),
      counters: createCounterTracker(),
      ...(o.snapshotEvery !== undefined ? { snapshotEvery: o.snapshotEvery } : {}),
    });
    sync.on('problem', (p) => {
      this.note(p);
      o.onDocProblem?.(sync, p);
    });
    this.open.set(ref.doc, { sync, scope: ref.scope });
    this.relay.add(sync);
    return sync;
  }

  /** The key scope an open document belongs to. */
  scopeOf(doc: DocId): Scope | undefined {
    return this.open.get(doc)?.scope;
  }

  docs(): DocSync[] {
    return [...this.open.values()].map((e) => e.sync);
  }

  /** Re-tries entries held for an unknown author (call after the member list changed). */
  retryHeld(): void {
    for (const { sync } of this.open.values()) sync.retryHeld();
  }

  connect(): void {
    this.relay.connect();
  }

  /** Resolves once every open document is caught up and has no unacknowledged change. */
  async whenSynced(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await this.relay.whenOpen(timeoutMs);
    await Promise.all(this.docs().map((d) => d.whenSynced(Math.max(1, deadline - Date.now()))));
  }

  /** Local changes not yet acknowledged, over all open documents. */
  get unacked(): number {
    return this.docs().reduce((n, d) => n + d.unacked, 0);
  }

  /** Flushes and saves every document, then closes the connection. */
  async close(): Promise<void> {
    for (const { sync } of this.open.values()) await sync.close();
    this.relay.destroy();
  }
}
