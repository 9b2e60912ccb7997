/**
 * What the Tasks page shows of the Tasks document: open and done tasks,
 * each with a one-line source ("Mail · work · <id@host>"), and the upcoming
 * events of each calendar source. Plain functions over the document's
 * state, so the page stays a template and this stays testable.
 */
import type { CalendarEvent, Task, TaskSource } from '@tendril/crdt-schema/schema';

export interface TaskGroups {
  readonly open: Task[];
  readonly done: Task[];
}

/** Open tasks by due time (none last), done ones most recently done first. */
export function groupTasks(tasks: readonly Task[]): TaskGroups {
  const open = tasks.filter((t) => t.state === 'open').sort((a, b) => (a.due ?? Infinity) - (b.due ?? Infinity) || b.createdAt - a.createdAt);
  const done = tasks.filter((t) => t.state === 'done').sort((a, b) => (b.doneAt ?? 0) - (a.doneAt ?? 0));
  return { open, done };
}

/** Where a task came from, in one line; `pluginName` names the plugin when it is installed. */
export function sourceLabel(source: TaskSource | undefined, pluginName?: (id: string) => string | undefined): string {
  if (!source) return 'Added by hand';
  const by = pluginName?.(source.plugin);
  const kind = source.kind === 'mail' ? 'Mail' : 'Calendar';
  const ref = source.kind === 'mail' ? source.ref : `${source.ref.split(' ').length} events`;
  return `${kind} · ${source.account} · ${ref}${by ? ` · ${by}` : ''}`;
}

/** Events that have not ended by `now`, by start time. */
export function upcoming(events: readonly CalendarEvent[], now: number): CalendarEvent[] {
  return events.filter((e) => e.end > now).sort((a, b) => a.start - b.start);
}
