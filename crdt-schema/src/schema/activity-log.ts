/**
 * The append-only activity log of plugin permission use. Each device appends
 * to its own capped segments (`deviceId/segmentIndex`, 512 entries each), so
 * the log never becomes one ever-growing array and two devices never write the
 * same segment. Reading merges all segments ordered by (time, device, index).
 */
import type * as Y from 'yjs';
import { parsePluginId, type DeviceId, type PluginId } from '../ids.ts';
import { badInput, checkEnum, checkText, compareStrings, isRecord } from './fields.ts';
import { PERMISSIONS } from './keys.ts';
import { PERMISSION_KINDS, type PermissionKind } from './plugin-manifest.ts';
import { appendToSegments, headOf, readAllSegments, type SegmentLayout } from './segments.ts';
import type { Writer } from './writer.ts';

export const ACTIVITY_SEGMENT_CAP = 512;
export const OUTCOMES = ['allowed', 'denied', 'error'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface ActivityInput {
  readonly plugin: PluginId;
  readonly permission: PermissionKind;
  readonly resource: string;
  readonly outcome: Outcome;
  readonly detail?: string;
  /** Defaults to now. */
  readonly at?: number;
}

export interface ActivityEntry extends Required<Omit<ActivityInput, 'detail'>> {
  readonly detail?: string;
  /** The device that logged it. */
  readonly device: DeviceId;
  /** Position in that device's log. */
  readonly index: number;
}

export function activityLayout(cap = ACTIVITY_SEGMENT_CAP): SegmentLayout {
  return {
    cap,
    key: (writer, index) => `${writer}/${index}`,
    parse(key) {
      const slash = key.lastIndexOf('/');
      const index = Number(key.slice(slash + 1));
      return slash > 0 && Number.isSafeInteger(index) && index >= 0 ? { writer: key.slice(0, slash), index } : undefined;
    },
  };
}

function parseEntry(device: string, index: number, v: unknown): ActivityEntry | undefined {
  if (!isRecord(v)) return undefined;
  const { plugin, permission, resource, outcome, detail, at } = v;
  if (typeof plugin !== 'string' || typeof resource !== 'string' || typeof at !== 'number') return undefined;
  if (!(PERMISSION_KINDS as readonly unknown[]).includes(permission) || !(OUTCOMES as readonly unknown[]).includes(outcome)) return undefined;
  const entry = { plugin: plugin as PluginId, permission: permission as PermissionKind, resource, outcome: outcome as Outcome, at, device: device as DeviceId, index };
  return typeof detail === 'string' ? { ...entry, detail } : entry;
}

export function compareActivity(a: ActivityEntry, b: ActivityEntry): number {
  return a.at - b.at || compareStrings(a.device, b.device) || a.index - b.index;
}

export function activitySection(doc: Y.Doc, w: Writer, layout: SegmentLayout = activityLayout()) {
  const segments = doc.getMap<unknown>(PERMISSIONS.activity);
  const heads = doc.getMap<unknown>(PERMISSIONS.activityHeads);
  return {
    /** Appends entries to this device's log; returns the index of the first. */
    append(device: DeviceId, entries: ActivityInput | readonly ActivityInput[]): number {
      const list = Array.isArray(entries) ? entries : [entries as ActivityInput];
      if (list.length === 0) badInput('nothing to append');
      const now = w.now();
      const records = list.map((e) => {
        const r: Record<string, unknown> = {
          plugin: parsePluginId(e.plugin),
          permission: checkEnum(e.permission, 'permission', PERMISSION_KINDS),
          resource: checkText(e.resource, 'resource', 2000),
          outcome: checkEnum(e.outcome, 'outcome', OUTCOMES),
          at: e.at ?? now,
        };
        if (e.detail !== undefined) r.detail = checkText(e.detail, 'detail', 2000);
        return r;
      });
      return w.write(() => appendToSegments(segments, heads, device, records, layout));
    },
    /** The merged log, oldest first; of one plugin when given. */
    read(filter: { plugin?: PluginId } = {}): ActivityEntry[] {
      const out: ActivityEntry[] = [];
      for (const p of readAllSegments<unknown>(segments, layout)) {
        const e = parseEntry(p.writer, p.position, p.item);
        if (e !== undefined && (filter.plugin === undefined || e.plugin === filter.plugin)) out.push(e);
      }
      return out.sort(compareActivity);
    },
    /** How many segments one device has written (its newest segment index + 1, when it wrote any). */
    segmentCount(device: DeviceId): number {
      return segments.has(layout.key(device, 0)) ? headOf(heads, device) + 1 : 0;
    },
  };
}
