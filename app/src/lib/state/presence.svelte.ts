/**
 * Who else is viewing a chat, and who is typing. This device announces
 * itself on the chat document it shows (on entering, every 15 s, when typing
 * starts or stops, and once in reply to a newcomer), sealed and signed
 * (session/presence-seal.ts); the relay forwards it to the document's other
 * subscribers and never stores it. Entries expire when not refreshed.
 * Sends stay far below the relay's presence rate limit.
 */
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import type { DeviceId, DocId } from '@tendril/crdt-schema/ids';
import { deriveDocKeys } from '@tendril/crdt-schema/keyring';
import { SyncState } from '@tendril/crdt-schema/sync';
import { FrameType, type PresenceFrame } from '@tendril/crdt-schema/wire';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { openPresence, sealPresence, type PresenceState } from '../session/presence-seal.ts';

export interface PeerPresence {
  readonly device: DeviceId;
  readonly name: string;
  readonly typing: boolean;
  readonly at: number;
}

const HEARTBEAT_MS = 15_000;
const EXPIRE_MS = 40_000;
const TYPING_IDLE_MS = 4_000;

export class PresenceHub {
  /** Other devices present, by chat document. */
  present = $state.raw<ReadonlyMap<DocId, readonly PeerPresence[]>>(new Map());
  private readonly crypto: CryptoProvider;
  private readonly session: WorkspaceSession;
  private viewing: DocId | null = null;
  private typing = false;
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly peers = new Map<DocId, Map<DeviceId, PeerPresence>>();
  private unwatch: (() => void) | null = null;

  constructor(crypto: CryptoProvider, session: WorkspaceSession) {
    this.crypto = crypto;
    this.session = session;
    session.peer.relay.on('presence', this.onFrame);
    this.timer = setInterval(() => {
      this.expire();
      this.announce();
    }, HEARTBEAT_MS);
  }

  private keysFor(doc: DocId) {
    const scope = this.session.scopeOf(doc);
    const keys = scope ? this.session.home.keys.get(scope) : undefined;
    return keys ? deriveDocKeys(this.crypto, keys, doc) : undefined;
  }

  private myName(): string {
    return this.session.home.config.deviceName;
  }

  private send(doc: DocId, state: PresenceState): void {
    const sync = this.session.peer.docs().find((d) => d.doc === doc);
    // The relay forwards presence only for subscribed documents; anything else would come back as an error.
    if (!sync || (sync.status.state !== SyncState.Synced && sync.status.state !== SyncState.Syncing)) return;
    const keys = this.keysFor(doc);
    const payload = keys ? sealPresence(this.crypto, this.session.home.identity, keys, state) : null;
    if (payload) this.session.peer.relay.sendFrame({ type: FrameType.Presence, doc, from: this.session.home.identity.deviceId, payload });
  }

  private announce(): void {
    if (this.viewing) this.send(this.viewing, { name: this.myName(), viewing: true, typing: this.typing });
  }

  /** This device now shows `doc` (or nothing). */
  view(doc: DocId | null): void {
    if (this.viewing === doc) return;
    if (this.viewing) this.send(this.viewing, { name: this.myName(), viewing: false, typing: false });
    this.unwatch?.();
    this.unwatch = null;
    this.viewing = doc;
    this.typing = false;
    this.announce();
    const sync = doc ? this.session.peer.docs().find((d) => d.doc === doc) : undefined;
    if (sync) {
      // Announce again whenever the document is (re)subscribed: after a reconnect, peers may have expired us.
      let subscribed = sync.status.state === SyncState.Synced;
      const onStatus = (st: { state: string }): void => {
        const now = st.state === SyncState.Synced;
        if (now && !subscribed) this.announce();
        subscribed = now;
      };
      sync.on('status', onStatus);
      this.unwatch = () => sync.off('status', onStatus);
    }
  }

  /** Call on every keystroke in the composer; announces typing on start and stop only. */
  keystroke(): void {
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.setTyping(false), TYPING_IDLE_MS);
    this.setTyping(true);
  }

  /** The message was sent: typing is over. */
  sent(): void {
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.setTyping(false);
  }

  private setTyping(on: boolean): void {
    if (this.typing === on) return;
    this.typing = on;
    this.announce();
  }

  /** Re-announces after a reconnect (subscriptions are new). */
  reannounce(): void {
    this.announce();
  }

  private readonly onFrame = (f: PresenceFrame): void => {
    if (f.from === this.session.home.identity.deviceId || !this.session.workspace().members.isActive(f.from)) return;
    const keys = this.keysFor(f.doc);
    const s = keys ? openPresence(this.crypto, keys, f.from, f.payload) : null;
    if (!s) return;
    let perDoc = this.peers.get(f.doc);
    if (!perDoc) this.peers.set(f.doc, (perDoc = new Map()));
    const isNew = !perDoc.has(f.from);
    if (s.viewing) perDoc.set(f.from, { device: f.from, name: s.name, typing: s.typing, at: Date.now() });
    else perDoc.delete(f.from);
    this.publish();
    if (isNew && s.viewing && this.viewing === f.doc) this.announce();
  };

  private expire(): void {
    const now = Date.now();
    let changed = false;
    for (const perDoc of this.peers.values()) {
      for (const [d, p] of perDoc) {
        if (now - p.at > EXPIRE_MS) {
          perDoc.delete(d);
          changed = true;
        }
      }
    }
    if (changed) this.publish();
  }

  private publish(): void {
    this.present = new Map([...this.peers].map(([doc, m]) => [doc, [...m.values()]]));
  }

  destroy(): void {
    this.view(null);
    this.unwatch?.();
    clearInterval(this.timer);
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.session.peer.relay.off('presence', this.onFrame);
  }
}
