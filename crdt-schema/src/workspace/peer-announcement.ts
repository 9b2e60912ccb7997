/**
 * What a gateway or worker says about itself in ephemeral presence on the
 * workspace index document (JSON inside the sealed presence payload, never
 * stored): who it is, its health, how often it speaks, and whether it is
 * leaving. A reader that announces nothing says `hello` to ask the peers
 * online to answer at once. Every message is stamped (sender clock, boot id,
 * sequence number) so a reader can refuse replays, and travels signed by its
 * sender (peer-presence-seal.ts). Parsing is a trust boundary: the payload
 * comes from any member device, so every field is type-checked and capped,
 * and anything malformed reads as null. Format and limits: docs/PROTOCOL.md,
 * "Peer presence".
 */
import { HEALTH_STATUSES, type Health, type HealthStatus } from '../schema/workspace-announcements.ts';
import { parseHealthFigures } from '../schema/health-figures.ts';

export const PEER_PRESENCE_VERSION = 1;
export const PEER_KINDS = ['gateway', 'worker'] as const;
export type PeerKind = (typeof PEER_KINDS)[number];

/** Caps applied on read (longer text is cut, larger counts are clamped) and on write. */
export const PEER_PRESENCE_LIMITS = {
  /** Messages above this many bytes are not parsed at all. */
  bytes: 4096,
  boot: 32,
  name: 200,
  host: 255,
  version: 64,
  detail: 500,
  count: 1_000_000,
  /** The announce interval a reader accepts, in ms (expiry follows it). */
  minEveryMs: 100,
  maxEveryMs: 60_000,
} as const;

/** When and in which order the sender said it: readers refuse a message older than one they took. */
export interface PresenceStamp {
  /** The sender's clock, ms since the epoch. */
  readonly at: number;
  /** Random per start of the sender: sequence numbers count within one boot. */
  readonly boot: string;
  readonly seq: number;
}

/** What a gateway or worker says about itself. */
export interface PeerInfo {
  readonly kind: PeerKind;
  readonly name: string;
  readonly host: string;
  readonly version: string;
  readonly health: Health;
  /** Workers: chat turns in progress. */
  readonly turns?: number;
}

/** A gateway or worker online (or leaving). */
export interface PeerAnnouncement extends PresenceStamp, PeerInfo {
  readonly t: 'peer';
  /** How often the peer announces, in ms: readers expire it after about three missed announcements. */
  readonly every: number;
  /** True on the last announcement of a peer that stops. */
  readonly leaving?: boolean;
  /** Asks the peers that hear it to announce themselves at once (sent on start and after a resubscribe). */
  readonly ask?: boolean;
}

/** A reader that has just (re)joined asks the peers online to announce themselves. */
export interface PresenceHello extends PresenceStamp {
  readonly t: 'hello';
}

export type PeerPresenceMessage = PeerAnnouncement | PresenceHello;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown, max: number): string | null => (typeof v === 'string' ? v.slice(0, max) : null);
const count = (v: unknown): number | null | undefined =>
  v === undefined ? undefined : typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? Math.min(v, PEER_PRESENCE_LIMITS.count) : null;

function parseHealth(v: unknown): Health | null {
  if (!isRecord(v) || typeof v.status !== 'string' || !(HEALTH_STATUSES as readonly string[]).includes(v.status)) return null;
  const active = count(v.active);
  const queued = count(v.queued);
  const detail = v.detail === undefined ? undefined : text(v.detail, PEER_PRESENCE_LIMITS.detail);
  if (active === null || queued === null || detail === null) return null;
  // Malformed figures are left out; the announcement itself still counts.
  const figures = parseHealthFigures(v.figures);
  return {
    status: v.status as HealthStatus,
    ...(active !== undefined ? { active } : {}),
    ...(queued !== undefined ? { queued } : {}),
    ...(detail !== undefined ? { detail } : {}),
    ...(figures !== undefined ? { figures } : {}),
  };
}

/** The message in a presence payload, or null when it is not a well-formed peer-presence message. */
export function parsePeerPresence(payload: Uint8Array): PeerPresenceMessage | null {
  if (payload.length > PEER_PRESENCE_LIMITS.bytes) return null;
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return null;
  }
  if (!isRecord(v) || v.v !== PEER_PRESENCE_VERSION) return null;
  const boot = typeof v.boot === 'string' && v.boot.length > 0 && v.boot.length <= PEER_PRESENCE_LIMITS.boot ? v.boot : null;
  if (boot === null || typeof v.at !== 'number' || !Number.isFinite(v.at) || typeof v.seq !== 'number' || !Number.isSafeInteger(v.seq) || v.seq < 0) return null;
  const stamp: PresenceStamp = { at: v.at, boot, seq: v.seq };
  if (v.t === 'hello') return { t: 'hello', ...stamp };
  if (v.t !== 'peer' || typeof v.kind !== 'string' || !(PEER_KINDS as readonly string[]).includes(v.kind)) return null;
  const name = text(v.name, PEER_PRESENCE_LIMITS.name);
  const host = text(v.host, PEER_PRESENCE_LIMITS.host);
  const version = text(v.version, PEER_PRESENCE_LIMITS.version);
  const health = parseHealth(v.health);
  const turns = count(v.turns);
  const every = typeof v.every === 'number' && Number.isFinite(v.every) ? Math.min(Math.max(v.every, PEER_PRESENCE_LIMITS.minEveryMs), PEER_PRESENCE_LIMITS.maxEveryMs) : null;
  if (name === null || host === null || version === null || health === null || turns === null || every === null) return null;
  if ((v.leaving !== undefined && typeof v.leaving !== 'boolean') || (v.ask !== undefined && typeof v.ask !== 'boolean')) return null;
  return {
    t: 'peer', kind: v.kind as PeerKind, name, host, version, health, every: Math.round(every), ...stamp,
    ...(turns !== undefined ? { turns } : {}),
    ...(v.leaving === true ? { leaving: true } : {}),
    ...(v.ask === true ? { ask: true } : {}),
  };
}

/** The payload bytes for a message (fields cut to the caps, so a reader never cuts them). */
export function encodePeerPresence(m: PeerPresenceMessage): Uint8Array {
  if (m.t === 'hello') return new TextEncoder().encode(JSON.stringify({ v: PEER_PRESENCE_VERSION, t: 'hello', at: m.at, boot: m.boot, seq: m.seq }));
  const L = PEER_PRESENCE_LIMITS;
  const health = { ...m.health, ...(m.health.detail !== undefined ? { detail: m.health.detail.slice(0, L.detail) } : {}) };
  return new TextEncoder().encode(
    JSON.stringify({ v: PEER_PRESENCE_VERSION, ...m, name: m.name.slice(0, L.name), host: m.host.slice(0, L.host), version: m.version.slice(0, L.version), health }),
  );
}
