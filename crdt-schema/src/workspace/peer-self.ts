/**
 * A gateway or worker making itself known in its workspace: what does not
 * change (name, host, version) is stored in the index on start and only when
 * it changed; its member entry's lastSeen is written on start and then at
 * most once an hour (so the device list has a durable value when nobody was
 * watching); liveness and health travel in ephemeral presence on the index
 * (peer-presence.ts), which also gives the peer the roster of the others.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import type { DeviceIdentity } from '../crypto/keys.ts';
import type { Directory } from './directory.ts';
import type { WorkspaceDoc } from '../schema/workspace.ts';
import { PeerPresence, type PresenceChannel, type SelfDescription } from './peer-presence.ts';

export const LAST_SEEN_EVERY_MS = 60 * 60_000;

/** The parts of a WorkspaceSession a peer announces through. */
export interface PeerSelfSession {
  readonly index: PresenceChannel & { readonly ydoc: { on(e: 'update', f: () => void): void; off(e: 'update', f: () => void): void } };
  readonly members: Directory;
  readonly home: { readonly identity: DeviceIdentity };
  workspace(): WorkspaceDoc;
}

export interface PeerSelfOptions {
  readonly crypto: CryptoProvider;
  readonly session: PeerSelfSession;
  /** Name, host, version, health and turns as they are now (called on every announcement). */
  readonly describe: () => SelfDescription;
  readonly everyMs?: number;
  readonly lastSeenEveryMs?: number;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

export class PeerSelf {
  readonly presence: PeerPresence;
  private readonly o: PeerSelfOptions;
  private readonly now: () => number;
  private lastSeenAt = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(o: PeerSelfOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
    this.presence = new PeerPresence({
      crypto: o.crypto, channel: o.session.index, identity: o.session.home.identity, directory: o.session.members, describe: o.describe, now: this.now,
      ...(o.everyMs !== undefined ? { everyMs: o.everyMs } : {}),
    });
  }

  start(): void {
    const d = this.o.describe();
    try {
      if (this.o.session.workspace()[d.kind === 'gateway' ? 'gateways' : 'workers'].announce(this.me, { name: d.name, host: d.host, version: d.version })) {
        this.o.log?.(`stored ${d.kind} record: ${d.name} on ${d.host}, version ${d.version}`);
      }
    } catch (e) {
      this.o.log?.(`could not store the ${d.kind} record: ${(e as Error).message}`);
    }
    this.touch();
    this.o.session.index.ydoc.on('update', this.onIndex);
    this.timer = setInterval(() => this.touch(), Math.min(this.o.lastSeenEveryMs ?? LAST_SEEN_EVERY_MS, 60_000));
    this.timer.unref?.();
    this.presence.start();
  }

  /** Call when health or turns may have changed: announces at once when a figure that matters did. */
  healthChanged(): void {
    this.presence.healthChanged();
  }

  /** Says "leaving" and stops announcing. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.o.session.index.ydoc.off('update', this.onIndex);
    this.presence.stop();
  }

  private readonly onIndex = (): void => this.presence.recheck();

  private get me() {
    return this.o.session.home.identity.deviceId;
  }

  /** The member entry's lastSeen: now, unless written less than `lastSeenEveryMs` ago. */
  private touch(): void {
    const now = this.now();
    if (now - this.lastSeenAt < (this.o.lastSeenEveryMs ?? LAST_SEEN_EVERY_MS)) return;
    const ws = this.o.session.workspace();
    if (!ws.members.isActive(this.me)) return;
    this.lastSeenAt = now;
    try {
      ws.members.seen(this.me, now);
    } catch (e) {
      this.o.log?.(`could not record lastSeen: ${(e as Error).message}`);
    }
  }
}
