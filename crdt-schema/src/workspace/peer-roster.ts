/**
 * The roster of gateways and workers online, kept from their presence
 * announcements on the workspace index (peer-announcement.ts). Pure logic
 * with an injected clock: a reader feeds it every presence payload with its
 * authenticated sender, and it keeps an entry per peer until the peer says it
 * is leaving or about three of its announcements are missed.
 *
 * An announcement counts only when signed by its sender (peer-presence-seal.ts),
 * from an active (not revoked) member whose verified role matches the kind
 * it claims (a device may not pose as a gateway or a worker), stamped within
 * MAX_CLOCK_SKEW_MS of this reader's clock and newer than the last one taken
 * from that device (a replay changes nothing). The roster lives in memory
 * only; nothing a payload says is ever written to a document.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import type { DeviceId, DocId } from '../ids.ts';
import type { Directory } from './directory.ts';
import { parsePeerPresence, type PeerInfo, type PeerKind, type PresenceStamp } from './peer-announcement.ts';
import { openPeerPresence } from './peer-presence-seal.ts';
import { sameFigures } from '../schema/health-figures.ts';

/** An entry expires after this many announce intervals without an announcement. */
export const MISSED_ANNOUNCEMENTS = 3.5;
/** A message stamped further than this from the reader's clock is refused (bounds how old a replay can be). */
export const MAX_CLOCK_SKEW_MS = 10 * 60_000;

export interface PeerOnline extends PeerInfo {
  readonly device: DeviceId;
  /** When the last announcement arrived (the reader's clock). */
  readonly at: number;
  readonly expiresAt: number;
}

/** Why a payload changed nothing (tests, logs). */
/**
 * Which member roles may announce which kind: a gateway only as a gateway member (the CLI runs a gateway
 * only from such a home); a worker from any role that may write chats (`tendril worker` runs from a
 * worker home, and also from a device or admin home joined with an app's invite).
 */
export function mayAnnounceAs(role: string, kind: PeerKind): boolean {
  return kind === 'gateway' ? role === 'gateway' : role === 'worker' || role === 'device' || role === 'admin';
}

export type Refusal = 'self' | 'bad-signature' | 'malformed' | 'not-member' | 'revoked' | 'wrong-role' | 'stale' | 'replayed';

export type Received =
  | { readonly ok: false; readonly refused: Refusal }
  | {
      readonly ok: true;
      /** A peer entered the roster (it was not online before). */
      readonly newcomer: boolean;
      /** The sender asked the peers online to announce themselves. */
      readonly ask: boolean;
      /** The roster changed (an entry added, changed or removed). */
      readonly changed: boolean;
    };

export interface PeerRosterOptions {
  readonly crypto: CryptoProvider;
  /** The workspace index document the presence travels on (signatures name it). */
  readonly doc: DocId;
  readonly self: DeviceId;
  readonly directory: Directory;
  readonly now: () => number;
}

export class PeerRoster {
  private readonly o: PeerRosterOptions;
  private readonly peers = new Map<DeviceId, PeerOnline>();
  /** When any member's presence (a hello included) was last heard on the index, by device. */
  private readonly heard = new Map<DeviceId, number>();
  /** The stamp of the last message taken from each device. */
  private readonly stamps = new Map<DeviceId, PresenceStamp>();

  constructor(o: PeerRosterOptions) {
    this.o = o;
  }

  /** Takes one presence payload from `from` (authenticated by the document cipher). */
  receive(from: DeviceId, payload: Uint8Array): Received {
    if (from === this.o.self) return { ok: false, refused: 'self' };
    const message = openPeerPresence(this.o.crypto, this.o.doc, from, payload);
    if (!message) return { ok: false, refused: 'bad-signature' };
    const m = parsePeerPresence(message);
    if (!m) return { ok: false, refused: 'malformed' };
    const member = this.o.directory.member(from);
    if (!member) return { ok: false, refused: 'not-member' };
    if (member.revokedAtEpoch !== undefined) return { ok: false, refused: 'revoked' };
    if (m.t === 'peer' && !mayAnnounceAs(member.role, m.kind)) return { ok: false, refused: 'wrong-role' };
    const now = this.o.now();
    if (Math.abs(now - m.at) > MAX_CLOCK_SKEW_MS) return { ok: false, refused: 'stale' };
    const last = this.stamps.get(from);
    if (last && (last.boot === m.boot ? m.seq <= last.seq : m.at < last.at)) return { ok: false, refused: 'replayed' };
    this.stamps.set(from, { at: m.at, boot: m.boot, seq: m.seq });
    this.heard.set(from, now);
    if (m.t === 'hello') return { ok: true, newcomer: false, ask: true, changed: false };
    const before = this.peers.get(from);
    if (m.leaving) {
      this.peers.delete(from);
      return { ok: true, newcomer: false, ask: false, changed: before !== undefined };
    }
    const entry: PeerOnline = {
      device: from, kind: m.kind, name: m.name, host: m.host, version: m.version, health: m.health,
      ...(m.turns !== undefined ? { turns: m.turns } : {}),
      at: now, expiresAt: now + Math.round(m.every * MISSED_ANNOUNCEMENTS),
    };
    this.peers.set(from, entry);
    return { ok: true, newcomer: before === undefined, ask: m.ask === true, changed: before === undefined || !sameShown(before, entry) };
  }

  /** Drops entries whose peer missed about three announcements; true when any went. */
  expire(): boolean {
    const now = this.o.now();
    let changed = false;
    for (const [d, p] of this.peers) {
      if (p.expiresAt <= now) {
        this.peers.delete(d);
        changed = true;
      }
    }
    return changed;
  }

  /** Drops an entry whose device is no longer an active member with that role (after a revocation). */
  recheck(): boolean {
    let changed = false;
    for (const [d, p] of this.peers) {
      const m = this.o.directory.member(d);
      if (!m || m.revokedAtEpoch !== undefined || !mayAnnounceAs(m.role, p.kind)) {
        this.peers.delete(d);
        changed = true;
      }
    }
    return changed;
  }

  /** The peers online now (expired ones left out even before `expire` runs), by device id. */
  list(kind?: PeerKind): PeerOnline[] {
    const now = this.o.now();
    return [...this.peers.values()]
      .filter((p) => p.expiresAt > now && (kind === undefined || p.kind === kind))
      .sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0));
  }

  get(device: DeviceId): PeerOnline | undefined {
    const p = this.peers.get(device);
    return p && p.expiresAt > this.o.now() ? p : undefined;
  }

  /** When this reader last heard presence from the device on the index (any kind), if ever. */
  heardAt(device: DeviceId): number | undefined {
    return this.heard.get(device);
  }

  clear(): void {
    this.peers.clear();
  }
}

const sameShown = (a: PeerOnline, b: PeerOnline): boolean =>
  a.name === b.name && a.host === b.host && a.version === b.version && a.turns === b.turns &&
  a.health.status === b.health.status && a.health.active === b.health.active && a.health.queued === b.health.queued && a.health.detail === b.health.detail &&
  sameFigures(a.health.figures, b.health.figures);
