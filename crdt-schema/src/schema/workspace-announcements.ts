/**
 * Gateway and worker announcements: each such peer writes its own record
 * (name, host, version, health) whole and refreshes it while it runs. One
 * writer per record, so a plain value replaced whole is enough.
 */
import type * as Y from 'yjs';
import type { DeviceId } from '../ids.ts';
import { badInput, checkEnum, checkText, compareStrings, isRecord, readRecord } from './fields.ts';
import type { Writer } from './writer.ts';

export const HEALTH_STATUSES = ['ok', 'degraded', 'down'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export interface Health {
  readonly status: HealthStatus;
  /** Shells (gateway) or turns (worker) in progress. */
  readonly active?: number;
  /** Work waiting to start. */
  readonly queued?: number;
  readonly detail?: string;
}

export interface Announcement {
  readonly device: DeviceId;
  readonly name: string;
  readonly host: string;
  readonly version: string;
  readonly health: Health;
  readonly lastSeen: number;
}

export type AnnouncementInput = Omit<Announcement, 'device' | 'lastSeen'>;

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
  const health = parseHealth(v.health);
  const { name, host, version, lastSeen } = v;
  if (health === undefined || typeof name !== 'string' || typeof host !== 'string' || typeof version !== 'string' || typeof lastSeen !== 'number') {
    return undefined;
  }
  return { device: device as DeviceId, name, host, version, health, lastSeen };
}

/** Announcements kept in the root map `rootName` (gateways or workers). */
export function announcementsSection(doc: Y.Doc, rootName: string, w: Writer) {
  const root = doc.getMap<unknown>(rootName);
  return {
    /** Writes this device's record; lastSeen is now. */
    announce(device: DeviceId, input: AnnouncementInput): Announcement {
      const health = parseHealth(input.health) ?? badInput('health is malformed');
      const record = {
        name: checkText(input.name, 'name', 200),
        host: checkText(input.host, 'host', 500),
        version: checkText(input.version, 'version', 100),
        health: { ...health, status: checkEnum(health.status, 'health.status', HEALTH_STATUSES) },
        lastSeen: w.now(),
      };
      w.write(() => root.set(device, record));
      return { device, ...record };
    },
    get(device: DeviceId): Announcement | undefined {
      return parseAnnouncement(device, readRecord(root, device));
    },
    withdraw(device: DeviceId): void {
      if (root.has(device)) w.write(() => root.delete(device));
    },
    /** All announcements by device id; a reader judges staleness from lastSeen. */
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
