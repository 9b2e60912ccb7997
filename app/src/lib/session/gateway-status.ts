/**
 * How a gateway is doing, as the app shows it: its connection status
 * (connected, reconnecting, offline since the last time it was heard) and its
 * machine's figures (CPU, memory, disk, uptime), both from ephemeral presence
 * on the index, never from stored records. A session on a gateway that is not
 * connected says so instead of the state the gateway last wrote ("running"
 * over a screen that stopped moving). Pure functions of the roster entry, the
 * app's own connection and the clock, so they are tested without a browser.
 */
import type { HealthFigures, SessionEntry } from '@tendril/crdt-schema/schema';
import type { PeerOnline } from '@tendril/crdt-schema/workspace';

/** A peer expires after 3.5 missed intervals (peer-roster.ts); one and a half without a word is late. */
const MISSED_ANNOUNCEMENTS = 3.5;
const LATE_AFTER_INTERVALS = 1.5;

export type GatewayStatus =
  /** Heard within its announce interval, over a working connection. */
  | { readonly kind: 'connected' }
  /** This app's relay connection is down, or the gateway missed an announcement: it may be back any moment. */
  | { readonly kind: 'reconnecting'; readonly since?: number }
  /** Not heard for about three announce intervals (or it said it was leaving). */
  | { readonly kind: 'offline'; readonly since?: number };

export interface GatewayStatusInput {
  /** The gateway's roster entry, while the roster has it. */
  readonly peer: Pick<PeerOnline, 'at' | 'expiresAt'> | undefined;
  /** Whether this app is connected to the relay now. */
  readonly appConnected: boolean;
  /** When this app last heard the gateway's presence (any message), if ever. */
  readonly heardAt: number | undefined;
  readonly now: number;
}

export function gatewayStatus(i: GatewayStatusInput): GatewayStatus {
  const since = i.peer?.at ?? i.heardAt;
  if (!i.appConnected) return since !== undefined ? { kind: 'reconnecting', since } : { kind: 'reconnecting' };
  if (i.peer === undefined || i.peer.expiresAt <= i.now) return since !== undefined ? { kind: 'offline', since } : { kind: 'offline' };
  const every = (i.peer.expiresAt - i.peer.at) / MISSED_ANNOUNCEMENTS;
  if (i.now - i.peer.at > every * LATE_AFTER_INTERVALS) return { kind: 'reconnecting', since: i.peer.at };
  return { kind: 'connected' };
}

/** "connected", "reconnecting", "offline since 14:05" (`time` formats the instant). */
export function gatewayStatusLabel(s: GatewayStatus, time: (at: number) => string): string {
  if (s.kind === 'connected') return 'connected';
  if (s.kind === 'reconnecting') return 'reconnecting';
  return s.since !== undefined ? `offline since ${time(s.since)}` : 'offline';
}

/** What a session's state badge says: the stored state while its gateway is connected, the gateway's status otherwise. */
export function sessionStateLabel(state: SessionEntry['state'], gateway: GatewayStatus, time: (at: number) => string): string {
  if (gateway.kind === 'connected' || state === 'ended' || state === 'requested') return state;
  return `gateway ${gatewayStatusLabel(gateway, time)}`;
}

const GIB = 2 ** 30;

function bytes(n: number): string {
  if (n >= 100 * GIB) return `${Math.round(n / GIB)} GiB`;
  if (n >= GIB) return `${(n / GIB).toFixed(1)} GiB`;
  return `${Math.round(n / 2 ** 20)} MiB`;
}

function duration(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 2 * 3600) return `${Math.round(s / 60)} min`;
  if (s < 2 * 86_400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

export interface FigurePart {
  readonly key: 'cpu' | 'memory' | 'disk' | 'uptime';
  readonly text: string;
  /** The figure itself: CPU percent, memory used and disk free in bytes, uptime in seconds. */
  readonly value: number;
}

/** One figure per part, for a row of labels: CPU, memory, disk, uptime. */
export function figureParts(f: HealthFigures): FigurePart[] {
  const used = f.memTotalBytes - f.memFreeBytes;
  const parts: FigurePart[] = [
    { key: 'cpu', text: `CPU ${Math.round(f.cpuPercent)}% (load ${Math.round(f.loadPercent)}%)`, value: f.cpuPercent },
    { key: 'memory', text: `memory ${bytes(used)} of ${bytes(f.memTotalBytes)} used`, value: used },
  ];
  if (f.diskFreeBytes !== undefined) parts.push({ key: 'disk', text: `disk ${bytes(f.diskFreeBytes)} free`, value: f.diskFreeBytes });
  parts.push({ key: 'uptime', text: `up ${duration(f.uptimeS)}`, value: f.uptimeS });
  return parts;
}
