/**
 * The live side of guest links in one relay instance: which connections are
 * visitors of which link, which member connections watch a link, and the
 * message buckets (per visitor, per link, per address) every guest message
 * takes from before it reaches the store. The buckets are the flood guard: a
 * visitor over its rate is refused here, on its own connection's queue, and
 * never costs the owner's devices a store write or a fan-out. It also says
 * whether a runner answering a link is connected (a watcher that announced
 * itself as answering) and tells the link's visitors when that changes.
 */
import type { DocId, GuestLinkId } from '@tendril/crdt-schema/ids';
import { toBase64Url } from '@tendril/crdt-schema/ids';
import { FrameType, type GuestPresenceFrame } from '@tendril/crdt-schema/wire';
import type { RelayLimits } from './config.ts';
import type { Connection } from './connection.ts';
import { createTokenBucket, type TokenBucket } from './token-bucket.ts';

/** What an admitted guest connection may do: follow and append to one document. */
export interface GuestSession {
  readonly link: GuestLinkId;
  readonly visitorKey: Uint8Array;
  readonly doc: DocId;
  readonly visitorPerMinute: number;
  readonly linkPerMinute: number;
  /** 0 = never. */
  readonly expiresAt: number;
}

/** Which limit refused a message. */
export type GuestLimitHit = 'visitor' | 'link' | 'address';

const MINUTE = 60_000;

export class GuestHub {
  private readonly visitors = new Map<GuestLinkId, Set<Connection>>();
  private readonly watchers = new Map<GuestLinkId, Set<Connection>>();
  private readonly answerers = new Map<GuestLinkId, Set<Connection>>();
  private readonly buckets = new Map<string, { bucket: TokenBucket; used: number }>();

  constructor(private readonly limits: Pick<RelayLimits, 'guestMessagesPerMinutePerIp'>) {}

  addVisitor(conn: Connection, session: GuestSession): void {
    add(this.visitors, session.link, conn);
  }

  /** Member connections that follow the link's visitor list; `answering` ones are runners that answer its visitors. */
  addWatcher(link: GuestLinkId, conn: Connection, answering = false): void {
    add(this.watchers, link, conn);
    if (!answering || this.answerers.get(link)?.has(conn)) return;
    const before = this.answering(link);
    add(this.answerers, link, conn, () => this.presenceChanged(link, true));
    if (!before) this.presenceChanged(link, false);
  }

  /** Whether a runner that answers the link is connected here. */
  answering(link: GuestLinkId): boolean {
    return [...(this.answerers.get(link) ?? [])].some((c) => c.open);
  }

  /** What the relay tells the link's visitors about its runners. */
  presence(link: GuestLinkId): GuestPresenceFrame {
    return { type: FrameType.GuestPresence, link, answering: this.answering(link) };
  }

  private presenceChanged(link: GuestLinkId, was: boolean): void {
    if (this.answering(link) === was) return;
    const frame = this.presence(link);
    for (const v of this.visitorsOf(link)) if (v.open) v.send(frame);
  }

  watchersOf(link: GuestLinkId): Connection[] {
    return [...(this.watchers.get(link) ?? [])].filter((c) => c.open);
  }

  /** Open visitor connections of the link, of one visitor when `key` is given. */
  visitorsOf(link: GuestLinkId, key?: Uint8Array): Connection[] {
    const id = key && toBase64Url(key);
    return [...(this.visitors.get(link) ?? [])].filter((c) => c.guest && (id === undefined || toBase64Url(c.guest.visitorKey) === id));
  }

  /** Takes one message from the visitor's, the link's and the address's buckets; or says which is empty and for how long. */
  takeMessage(session: GuestSession, ip: string, now: number): { wait: number; hit?: GuestLimitHit } {
    const checks: [GuestLimitHit, TokenBucket][] = [
      ['visitor', this.bucket(`v:${session.link}/${toBase64Url(session.visitorKey)}`, session.visitorPerMinute, now)],
      ['link', this.bucket(`l:${session.link}`, session.linkPerMinute, now)],
      ['address', this.bucket(`a:${ip}`, this.limits.guestMessagesPerMinutePerIp, now)],
    ];
    for (const [hit, b] of checks) {
      const wait = b.peek(now);
      if (wait > 0) return { wait, hit };
    }
    for (const [, b] of checks) b.take(now);
    return { wait: 0 };
  }

  /** Forgets buckets idle for a minute (they have refilled) and closed connections. */
  sweep(now: number): void {
    for (const [key, b] of this.buckets) if (now - b.used >= MINUTE) this.buckets.delete(key);
    for (const map of [this.visitors, this.watchers, this.answerers]) {
      for (const [link, set] of map) {
        for (const c of set) if (!c.open) set.delete(c);
        if (set.size === 0) map.delete(link);
      }
    }
  }

  private bucket(key: string, perMinute: number, now: number): TokenBucket {
    let entry = this.buckets.get(key);
    if (!entry) this.buckets.set(key, (entry = { bucket: createTokenBucket(perMinute / 60, Math.max(1, perMinute), now), used: now }));
    entry.used = now;
    return entry.bucket;
  }
}

function add(map: Map<GuestLinkId, Set<Connection>>, link: GuestLinkId, conn: Connection, onGone?: () => void): void {
  let set = map.get(link);
  if (!set) map.set(link, (set = new Set()));
  set.add(conn);
  void conn.closed.then(() => {
    set.delete(conn);
    if (set.size === 0 && map.get(link) === set) map.delete(link);
    onGone?.();
  });
}
