/**
 * The run history of plugins: one record per run a worker started or
 * refused (what triggered it, when it started and ended, how it ended and
 * the plugin's one-line summary or the reason), so the user sees every run
 * on every device, skipped ones included. Each worker appends to its own
 * capped segments (as the activity log does: segments.ts), so two workers
 * never write the same segment. Workers write it; records are read as
 * untrusted data.
 *
 * Beside it, the user's "run now" requests: one record per plugin (the
 * latest request wins), which workers run once each (the run lease gives a
 * request's time to one worker).
 */
import type * as Y from 'yjs';
import { parsePluginId, type DeviceId, type PluginId } from '../ids.ts';
import { checkEnum, checkInt, compareStrings, isRecord, readRecord } from './fields.ts';
import { PERMISSIONS } from './keys.ts';
import { appendToSegments, readAllSegments, type SegmentLayout } from './segments.ts';
import type { Writer } from './writer.ts';
import { activityLayout } from './activity-log.ts';

export const RUN_OUTCOMES = ['ok', 'refused', 'timeout', 'failed'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];
export const RUN_TRIGGERS = ['manual', 'schedule', 'change'] as const;
export type RunTriggerKind = (typeof RUN_TRIGGERS)[number];
const MAX_MESSAGE = 500;

export interface RunRecordInput {
  readonly plugin: PluginId;
  readonly trigger: RunTriggerKind;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly outcome: RunOutcome;
  /** The plugin's summary (ok) or why it did not succeed; cut to 500 characters. */
  readonly message: string;
  readonly calls: number;
}

export interface RunRecord extends RunRecordInput {
  /** The worker that ran (or refused) it. */
  readonly device: DeviceId;
  readonly index: number;
}

function parseRun(device: string, index: number, v: unknown): RunRecord | undefined {
  if (!isRecord(v)) return undefined;
  const { plugin, trigger, startedAt, endedAt, outcome, message, calls } = v;
  if (typeof plugin !== 'string' || typeof message !== 'string') return undefined;
  if (![startedAt, endedAt, calls].every((n) => typeof n === 'number' && Number.isFinite(n))) return undefined;
  if (!(RUN_OUTCOMES as readonly unknown[]).includes(outcome) || !(RUN_TRIGGERS as readonly unknown[]).includes(trigger)) return undefined;
  return {
    plugin: plugin as PluginId, trigger: trigger as RunTriggerKind, startedAt: startedAt as number, endedAt: endedAt as number,
    outcome: outcome as RunOutcome, message: message.slice(0, MAX_MESSAGE), calls: calls as number, device: device as DeviceId, index,
  };
}

export interface RunRequest {
  readonly plugin: PluginId;
  readonly at: number;
  readonly by: DeviceId;
}

export function runsSection(doc: Y.Doc, w: Writer, layout: SegmentLayout = activityLayout(256)) {
  const segments = doc.getMap<unknown>(PERMISSIONS.runs);
  const heads = doc.getMap<unknown>(PERMISSIONS.runHeads);
  const requests = doc.getMap<unknown>(PERMISSIONS.runRequests);
  return {
    /** Asks the workers to run the plugin once, now. */
    request(plugin: PluginId, by: DeviceId): RunRequest {
      const r = { plugin: parsePluginId(plugin), at: w.now(), by };
      w.write(() => requests.set(r.plugin, { at: r.at, by }));
      return r;
    },
    /** The latest run-now request for a plugin, if any. */
    requested(plugin: PluginId): RunRequest | undefined {
      const r = readRecord(requests, plugin);
      if (r === undefined || typeof r.at !== 'number' || !Number.isSafeInteger(r.at) || typeof r.by !== 'string') return undefined;
      return { plugin, at: r.at, by: r.by as DeviceId };
    },
    /** Appends one run to this device's history. */
    append(device: DeviceId, r: RunRecordInput): void {
      const record = {
        plugin: parsePluginId(r.plugin),
        trigger: checkEnum(r.trigger, 'trigger', RUN_TRIGGERS),
        startedAt: checkInt(r.startedAt, 'startedAt', 0),
        endedAt: checkInt(r.endedAt, 'endedAt', 0),
        outcome: checkEnum(r.outcome, 'outcome', RUN_OUTCOMES),
        message: String(r.message).slice(0, MAX_MESSAGE),
        calls: checkInt(r.calls, 'calls', 0),
      };
      w.write(() => appendToSegments(segments, heads, device, [record], layout));
    },
    /** Runs newest first, of one plugin when given, at most `limit` (default all). */
    read(filter: { plugin?: PluginId; limit?: number } = {}): RunRecord[] {
      const out: RunRecord[] = [];
      for (const p of readAllSegments<unknown>(segments, layout)) {
        const r = parseRun(p.writer, p.position, p.item);
        if (r !== undefined && (filter.plugin === undefined || r.plugin === filter.plugin)) out.push(r);
      }
      out.sort((a, b) => b.endedAt - a.endedAt || compareStrings(b.device, a.device) || b.index - a.index);
      return filter.limit === undefined ? out : out.slice(0, filter.limit);
    },
  };
}
