/**
 * The activity log as the Permissions view shows it: filtering by plugin,
 * permission kind and outcome, and the CSV export (the same columns and
 * spreadsheet-formula neutralization as `tendril plugin log --csv`).
 */
import type { PluginId } from '@tendril/crdt-schema/ids';
import type { ActivityEntry, Outcome, PermissionKind } from '@tendril/crdt-schema/schema';

export interface ActivityFilter {
  readonly plugin?: PluginId;
  readonly permission?: PermissionKind;
  readonly outcome?: Outcome;
}

/** Entries matching every filter field that is set; order is kept. */
export function filterActivity(entries: readonly ActivityEntry[], f: ActivityFilter): ActivityEntry[] {
  return entries.filter(
    (e) =>
      (f.plugin === undefined || e.plugin === f.plugin) &&
      (f.permission === undefined || e.permission === f.permission) &&
      (f.outcome === undefined || e.outcome === f.outcome),
  );
}

export const CSV_COLUMNS = ['time', 'plugin', 'plugin_name', 'permission', 'resource', 'outcome', 'detail', 'device'] as const;

/** One CSV cell: quoted when needed; a leading formula character is neutralized for spreadsheets. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The whole CSV file, header first, lines ended with CRLF (RFC 4180). */
export function activityCsv(entries: readonly ActivityEntry[], nameOf: (p: PluginId) => string): string {
  const rows = entries.map((e) =>
    [new Date(e.at).toISOString(), e.plugin, nameOf(e.plugin), e.permission, e.resource, e.outcome, e.detail ?? '', e.device].map(csvCell).join(','));
  return [CSV_COLUMNS.join(','), ...rows].map((l) => `${l}\r\n`).join('');
}
