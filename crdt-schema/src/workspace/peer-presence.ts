/**
 * Peer presence on the workspace index document, bound to its DocSync: a
 * gateway or worker announces itself (on start, every `everyMs`, when its
 * health changes in a way that matters, after every resubscribe, once in
 * reply to a newcomer or a hello, and with "leaving" when it stops), and
 * every holder of one keeps the roster of peers online (peer-roster.ts). A
 * reader that announces nothing says hello when it (re)subscribes, so it
 * learns who is online within a round trip instead of an announce interval.
 * Liveness never touches the stored index: presence is sealed, forwarded by
 * the relay and never stored. Every message is stamped and signed by this
 * device (peer-presence-seal.ts).
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import type { DeviceIdentity } from '../crypto/keys.ts';
import type { DeviceId, DocId } from '../ids.ts';
import { SyncState, type SyncStatus } from '../sync/status.ts';
import type { Directory } from './directory.ts';
import { encodePeerPresence, type PeerAnnouncement, type PeerInfo, type PeerKind, type PeerPresenceMessage, type PresenceStamp } from './peer-announcement.ts';
import { signPeerPresence } from './peer-presence-seal.ts';
import { PeerRoster, type PeerOnline, type Received } from './peer-roster.ts';

export const DEFAULT_ANNOUNCE_EVERY_MS = 10_000;
/** Replies to newcomers and hellos, and health changes, are announced at most this often (a flood of hellos costs one announcement per window). */
const REPLY_WINDOW_MS = 1_000;

/** The part of a DocSync presence needs. */
export interface PresenceChannel {
  readonly doc: DocId;
  readonly status: SyncStatus;
  sendPresence(payload: Uint8Array): void;
  on(event: 'presence', fn: (from: DeviceId, payload: Uint8Array) => void): void;
  on(event: 'status', fn: (status: SyncStatus) => void): void;
  off(event: 'presence', fn: (from: DeviceId, payload: Uint8Array) => void): void;
  off(event: 'status', fn: (status: SyncStatus) => void): void;
}

/** What a peer says about itself now. */
export type SelfDescription = PeerInfo;

export interface PeerPresenceOptions {
  readonly crypto: CryptoProvider;
  readonly channel: PresenceChannel;
  /** This device: it signs what it sends, and its own echo is ignored. */
  readonly identity: DeviceIdentity;
  readonly directory: Directory;
  /** What this peer announces (gateways, workers); absent for a reader that only listens (the app, the CLI). */
  readonly describe?: () => SelfDescription;
  readonly everyMs?: number;
  readonly now?: () => number;
  /** Told after each roster change, and when a device says hello (its heardAt moved). */
  readonly onChange?: () => void;
}

export class PeerPresence {
  readonly roster: PeerRoster;
  private readonly o: PeerPresenceOptions;
  private readonly everyMs: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private reply: ReturnType<typeof setTimeout> | null = null;
  private lastSent = Number.NEGATIVE_INFINITY;
  private synced = false;
  private stopped = false;
  /** The health figures last announced that matter (status, active, queued, turns). */
  private shown = '';
  private readonly boot: string;
  private seq = 0;
  /** When this device last (re)joined the index's presence (its start or a resubscribe); answers to it follow within a second. */
  greetedAt = Number.NEGATIVE_INFINITY;

  constructor(o: PeerPresenceOptions) {
    this.o = o;
    this.everyMs = o.everyMs ?? DEFAULT_ANNOUNCE_EVERY_MS;
    this.boot = [...o.crypto.randomBytes(12)].map((b) => b.toString(16).padStart(2, '0')).join('');
    this.roster = new PeerRoster({ crypto: o.crypto, doc: o.channel.doc, self: o.identity.deviceId, directory: o.directory, now: o.now ?? Date.now });
  }

  /** Starts listening and announcing (or saying hello, for a reader). */
  start(): void {
    this.o.channel.on('presence', this.onPresence);
    this.o.channel.on('status', this.onStatus);
    this.synced = this.o.channel.status.state === SyncState.Synced;
    this.timer = setInterval(() => this.tick(), this.o.describe ? this.everyMs : Math.min(this.everyMs, 5_000));
    this.timer.unref?.();
    this.greet();
  }

  /** The peers online now. */
  online(kind?: PeerKind): PeerOnline[] {
    return this.roster.list(kind);
  }

  /** Call when this peer's health may have changed: announces within a second when a figure that matters did. */
  healthChanged(): void {
    if (!this.o.describe || this.stopped) return;
    if (key(this.o.describe()) !== this.shown) this.soon();
  }

  /** Re-reads member roles (after the index changed): a revoked or re-roled peer leaves the roster. */
  recheck(): void {
    if (this.roster.recheck()) this.o.onChange?.();
  }

  /** Says "leaving" (a peer) and stops. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.o.describe) this.send({ ...this.announcement(false), leaving: true });
    if (this.timer) clearInterval(this.timer);
    if (this.reply) clearTimeout(this.reply);
    this.o.channel.off('presence', this.onPresence);
    this.o.channel.off('status', this.onStatus);
  }

  private tick(): void {
    if (this.roster.expire()) this.o.onChange?.();
    if (this.o.describe) this.announce(false);
  }

  /** On start and after each resubscribe: announce and ask, or say hello. */
  private greet(): void {
    this.greetedAt = (this.o.now ?? Date.now)();
    if (this.o.describe) this.announce(true);
    else this.send({ t: 'hello', ...this.stamp() });
  }

  private stamp(): PresenceStamp {
    return { at: (this.o.now ?? Date.now)(), boot: this.boot, seq: this.seq++ };
  }

  private announcement(ask: boolean): PeerAnnouncement {
    const d = this.o.describe!();
    this.shown = key(d);
    return { t: 'peer', ...d, every: this.everyMs, ...(ask ? { ask: true } : {}), ...this.stamp() };
  }

  private announce(ask: boolean): void {
    if (this.stopped) return;
    this.send(this.announcement(ask));
  }

  private send(m: PeerPresenceMessage): void {
    if (m.t === 'peer') this.lastSent = (this.o.now ?? Date.now)();
    this.o.channel.sendPresence(signPeerPresence(this.o.crypto, this.o.identity, this.o.channel.doc, encodePeerPresence(m)));
  }

  /**
   * Announces at once, or at the end of the reply window when this peer spoke within it: answers to
   * newcomers and hellos and health changes cost one announcement per window, however many arrive.
   */
  private soon(): void {
    if (!this.o.describe || this.stopped || this.reply) return;
    const wait = Math.max(0, this.lastSent + REPLY_WINDOW_MS - (this.o.now ?? Date.now)());
    this.reply = setTimeout(() => {
      this.reply = null;
      this.announce(false);
    }, wait);
    this.reply.unref?.();
  }

  private readonly onPresence = (from: DeviceId, payload: Uint8Array): void => {
    const r: Received = this.roster.receive(from, payload);
    if (!r.ok) return;
    // A hello changes no entry but tells when a device was last heard (heardAt).
    if (r.changed || r.ask) this.o.onChange?.();
    if (r.ask || r.newcomer) this.soon();
  };

  private readonly onStatus = (s: SyncStatus): void => {
    const now = s.state === SyncState.Synced;
    if (now && !this.synced && !this.stopped) this.greet();
    this.synced = now;
  };
}

const key = (d: SelfDescription): string => JSON.stringify([d.health.status, d.health.active, d.health.queued, d.turns]);
