/**
 * Who else is viewing a chat, and who is typing. This device announces
 * itself on the chat document it shows (on entering, every 15 s, when typing
 * starts or stops, after a resubscribe, and once in reply to a newcomer)
 * through the document's encrypted ephemeral presence (DocSync.sendPresence:
 * sealed under the document key, bound to the sender; the relay forwards it
 * and never stores it). Entries expire when not refreshed. Sends stay far
 * below the relay's presence rate limit.
 */
import type { DeviceId, DocId } from '@tendril/crdt-schema/ids';
import { SyncState, type DocSync } from '@tendril/crdt-schema/sync';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';

export interface PeerPresence {
  readonly device: DeviceId;
  readonly name: string;
  readonly typing: boolean;
  readonly at: number;
}

/** What one announcement says (JSON inside the sealed payload). */
interface Announcement {
  readonly name: string;
  /** Viewing the chat now (false: left it). */
  readonly viewing: boolean;
  readonly typing: boolean;
}

const HEARTBEAT_MS = 15_000;
const EXPIRE_MS = 40_000;
const TYPING_IDLE_MS = 4_000;
const MAX_NAME = 200;

function parse(payload: Uint8Array): Announcement | null {
  try {
    const a = JSON.parse(new TextDecoder().decode(payload)) as Partial<Announcement>;
    if (typeof a.name !== 'string' || typeof a.viewing !== 'boolean' || typeof a.typing !== 'boolean') return null;
    return { name: a.name.slice(0, MAX_NAME), viewing: a.viewing, typing: a.typing };
  } catch {
    return null;
  }
}

export class PresenceHub {
  /** Other devices present, by chat document. */
  present = $state.raw<ReadonlyMap<DocId, readonly PeerPresence[]>>(new Map());
  private readonly session: WorkspaceSession;
  private viewing: DocSync | null = null;
  private typing = false;
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly peers = new Map<DocId, Map<DeviceId, PeerPresence>>();
  private readonly listening = new Map<DocSync, (from: DeviceId, payload: Uint8Array) => void>();
  private unwatch: (() => void) | null = null;

  constructor(session: WorkspaceSession) {
    this.session = session;
    this.timer = setInterval(() => {
      this.listenToAll();
      this.expire();
      this.announce();
    }, HEARTBEAT_MS);
  }

  /** Listens on every open document (chats open in the background too, so arrivals anywhere are known). */
  private listenToAll(): void {
    for (const sync of this.session.peer.docs()) {
      if (this.listening.has(sync)) continue;
      const on = (from: DeviceId, payload: Uint8Array): void => this.received(sync, from, payload);
      sync.on('presence', on);
      this.listening.set(sync, on);
    }
  }

  private announce(): void {
    const sync = this.viewing;
    if (!sync) return;
    const a: Announcement = { name: this.session.home.config.deviceName, viewing: true, typing: this.typing };
    sync.sendPresence(new TextEncoder().encode(JSON.stringify(a)));
  }

  /** This device now shows `doc` (or nothing). */
  view(doc: DocId | null): void {
    if (this.viewing?.doc === doc) return;
    if (this.viewing) this.viewing.sendPresence(new TextEncoder().encode(JSON.stringify({ name: this.session.home.config.deviceName, viewing: false, typing: false } satisfies Announcement)));
    this.unwatch?.();
    this.unwatch = null;
    this.listenToAll();
    const sync = doc ? (this.session.peer.docs().find((d) => d.doc === doc) ?? null) : null;
    this.viewing = sync;
    this.typing = false;
    this.announce();
    if (sync) {
      // Announce again whenever the document is (re)subscribed: after a reconnect, peers may have expired us.
      let synced = sync.status.state === SyncState.Synced;
      const onStatus = (st: { state: string }): void => {
        const now = st.state === SyncState.Synced;
        if (now && !synced) this.announce();
        synced = now;
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

  private received(sync: DocSync, from: DeviceId, payload: Uint8Array): void {
    if (from === this.session.home.identity.deviceId) return;
    const a = parse(payload);
    if (!a) return;
    const member = this.session.workspace().members.get(from);
    if (member?.revokedAt !== undefined) return;
    let perDoc = this.peers.get(sync.doc);
    if (!perDoc) this.peers.set(sync.doc, (perDoc = new Map()));
    const isNew = !perDoc.has(from);
    // The member list names enrolled devices; a viewer (not enrolled) is shown with the name it gives.
    if (a.viewing) perDoc.set(from, { device: from, name: member?.name || `${a.name} (viewer)`, typing: a.typing, at: Date.now() });
    else perDoc.delete(from);
    this.publish();
    if (isNew && a.viewing && this.viewing === sync) this.announce();
  }

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
    for (const [sync, on] of this.listening) sync.off('presence', on);
    this.listening.clear();
  }
}
