/**
 * Gateway and worker announcements: each such peer writes its own record of
 * what does not change while it runs (name, host, version), on start and
 * only when a value changed, so a restart with the same values writes
 * nothing. Liveness and health travel in ephemeral presence
 * (workspace/peer-presence.ts), never in the index. One writer per record, so
 * a plain value replaced whole is enough. Records written before that also
 * hold a health and a lastSeen; they still read, with both.
 */
import type * as Y from 'yjs';
import type { DeviceId } from '../ids.ts';
import { checkText, compareStrings, isRecord, readRecord } from './fields.ts';
import type { Writer } from './writer.ts';
import type { HealthFigures } from './health-figures.ts';

export const HEALTH_STATUSES = ['ok', 'degraded', 'down'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export interface Health {
  readonly status: HealthStatus;
  /** Shells (gateway) or turns (worker) in progress. */
  readonly active?: number;
  /** Work waiting to start. */
  readonly queued?: number;
  readonly detail?: string;
  /** Gateways: the machine's figures (presence only; parsed by health-figures.ts). */
  readonly figures?: HealthFigures;
}

export interface Announcement {
  readonly device: DeviceId;
  readonly name: string;
  readonly host: string;
  readonly version: string;
  /** Only in records written by older peers (health now travels in presence). */
  readonly health?: Health;
  /** Only in records written by older peers (liveness now travels in presence). */
  readonly lastSeen?: number;
}

/** What a peer stores about itself. */
export type AnnouncementInput = Pick<Announcement, 'name' | 'host' | 'version'>;

const optionalCount = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;

function parseHealth(v: unknown): Health | undefined {
  if (!isRecord(v) || typeof v.status !== 'string' || !(HEALTH_STATUSES as readonly string[]).includes(v.status)) return undefined;
  const h: { -readonly [K in keyof Health]: Health[K] } = { status: v.status as HealthStatus };
  const active = optionalCount(v.active);
  const queued = optionalCount(v.queued);
  if (active !== undefined) h.active = active;
  if (queued !== undefined) h.queued = queued;
  if (typeof v.detail === 'string') h.detail = v.detail;
  return h;
}

function parseAnnouncement(device: string, v: Record<string, unknown> | undefined): Announcement | undefined {
  if (v === undefined) return undefined;
  const { name, host, version, lastSeen } = v;
  if (typeof name !== 'string' || typeof host !== 'string' || typeof version !== 'string') return undefined;
  const health = parseHealth(v.health);
  return {
    device: device as DeviceId, name, host, version,
    ...(health !== undefined ? { health } : {}),
    ...(typeof lastSeen === 'number' && Number.isFinite(lastSeen) ? { lastSeen } : {}),
  };
}

/** True when the stored value is exactly this record (an older record with health and lastSeen is not). */
function isStored(v: Record<string, unknown> | undefined, record: AnnouncementInput): boolean {
  if (v === undefined) return false;
  const keys = Object.keys(v);
  return keys.length === 3 && v.name === record.name && v.host === record.host && v.version === record.version;
}

/** Announcements kept in the root map `rootName` (gateways or workers). */
export function announcementsSection(doc: Y.Doc, rootName: string, w: Writer) {
  const root = doc.getMap<unknown>(rootName);
  return {
    /** Stores this device's name, host and version unless exactly that is stored already; true when it wrote. */
    announce(device: DeviceId, input: AnnouncementInput): boolean {
      const record = {
        name: checkText(input.name, 'name', 200),
        host: checkText(input.host, 'host', 500),
        version: checkText(input.version, 'version', 100),
      };
      if (isStored(readRecord(root, device), record)) return false;
      w.write(() => root.set(device, record));
      return true;
    },
    get(device: DeviceId): Announcement | undefined {
      return parseAnnouncement(device, readRecord(root, device));
    },
    withdraw(device: DeviceId): void {
      if (root.has(device)) w.write(() => root.delete(device));
    },
    /** All announcements by device id (who is online is in presence, not here). */
    list(): Announcement[] {
      const out: Announcement[] = [];
      for (const device of root.keys()) {
        const a = parseAnnouncement(device, readRecord(root, device));
        if (a !== undefined) out.push(a);
      }
      return out.sort((a, b) => compareStrings(a.device, b.device));
    },
  };
}
