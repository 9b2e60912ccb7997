/**
 * What the app shows from the roster of peers online (presence on the
 * workspace index, never the stored index): which gateways can take a
 * session, whether a worker is there to answer chat turns, the "Agents
 * online" rows, and each device's "last seen". Pure functions of the roster
 * and the stored records, so they are tested without a browser.
 */
import type { DeviceId } from '@tendril/crdt-schema/ids';
import type { Announcement, Health, Member } from '@tendril/crdt-schema/schema';
import type { PeerKind, PeerOnline } from '@tendril/crdt-schema/workspace';

/** For this long after the app said hello, a worker on record counts as possibly online (the replies are on their way). */
export const ROSTER_WARMUP_MS = 2_000;

export interface GatewayRow {
  readonly device: DeviceId;
  readonly name: string;
  readonly host: string;
  readonly online: boolean;
  /** From presence, while online. */
  readonly health?: Health;
}

/** Every gateway on record or online now; online and health from the roster only. */
export function gatewayRows(stored: readonly Announcement[], online: readonly PeerOnline[]): GatewayRow[] {
  const live = new Map(online.filter((p) => p.kind === 'gateway').map((p) => [p.device, p]));
  const rows: GatewayRow[] = stored.map((g) => {
    const p = live.get(g.device);
    return { device: g.device, name: g.name, host: g.host, online: p !== undefined && p.health.status !== 'down', ...(p ? { health: p.health } : {}) };
  });
  for (const p of live.values()) {
    if (!stored.some((g) => g.device === p.device)) rows.push({ device: p.device, name: p.name, host: p.host, online: p.health.status !== 'down', health: p.health });
  }
  return rows;
}

/**
 * Whether the page runner should let a worker go first: a worker is in the roster, or the roster has
 * only just started listening (its hello's replies have not arrived yet) and a worker is on record.
 */
export function workersMayBeOnline(online: readonly PeerOnline[], o: { readonly workersOnRecord: number; readonly listeningForMs: number }): boolean {
  if (online.some((p) => p.kind === 'worker')) return true;
  return o.listeningForMs < ROSTER_WARMUP_MS && o.workersOnRecord > 0;
}

/** One line of health for a person: "ok, 2 sessions", "degraded: slow". */
export function healthLabel(kind: PeerKind, h: Health, turns?: number): string {
  const parts: string[] = [h.status];
  const n = kind === 'worker' ? (turns ?? h.active) : h.active;
  if (n !== undefined) parts.push(kind === 'worker' ? `${n} ${n === 1 ? 'turn' : 'turns'}` : `${n} ${n === 1 ? 'session' : 'sessions'}`);
  if (h.queued) parts.push(`${h.queued} queued`);
  return parts.join(', ');
}

export interface AgentRow {
  readonly key: string;
  readonly kind: PeerKind | 'tab';
  readonly name: string;
  readonly status: Health['status'];
  readonly detail: string;
}

/** The "Agents online" rows: workers, then gateways, then this tab while its runner answers a turn. */
export function agentRows(online: readonly PeerOnline[], o: { readonly answeringHere: number }): AgentRow[] {
  const rows: AgentRow[] = [...online]
    .sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'worker' ? -1 : 1))
    .map((p) => ({ key: p.device, kind: p.kind, name: p.name, status: p.health.status, detail: healthLabel(p.kind, p.health, p.turns) }));
  if (o.answeringHere > 0) rows.push({ key: 'this-tab', kind: 'tab', name: 'This tab', status: 'ok', detail: 'answering in this tab' });
  return rows;
}

export type SeenView = { readonly kind: 'online' } | { readonly kind: 'at'; readonly at: number } | { readonly kind: 'never' };

/** A device's "last seen": online now when in the roster (or this device), else the later of its stored lastSeen and the last presence heard from it. */
export function lastSeen(m: Pick<Member, 'device' | 'lastSeen'>, o: { readonly me: DeviceId; readonly online: readonly PeerOnline[]; readonly heardAt?: number }): SeenView {
  if (m.device === o.me || o.online.some((p) => p.device === m.device)) return { kind: 'online' };
  const at = Math.max(m.lastSeen ?? 0, o.heardAt ?? 0);
  return at > 0 ? { kind: 'at', at } : { kind: 'never' };
}
