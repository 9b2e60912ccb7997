/**
 * The workspace's Tasks document: action items that batch agents found (the
 * mail plugin in new messages, the calendar plugin in conflicting events)
 * and that the user marks done in the app, plus the upcoming events of each
 * calendar source. One document per workspace (its id is derived from the
 * workspace: workspace/tasks-doc.ts), sealed per update like every other.
 *
 * A task never holds the text it was found in: its source names the plugin,
 * the account and the message id (or event uids), so the user can find the
 * original where it lives. A task is a nested map edited field by field (the
 * user marks it done while a plugin may rewrite its note); an event is a
 * plain record replaced whole by the plugin reading its source.
 *
 *   const t = tasksDoc(ydoc);
 *   t.add({ title: 'Send the Q3 figures', priority: 'high', source }, device); t.setState(id, 'done', device);
 */
import * as Y from 'yjs';
import { newDocId, type DeviceId, type PluginId } from '../ids.ts';
import { badInput, checkEnum, checkText, compareStrings, entryOf, isRecord, readEnum, readNumber, readString, requireEntry, setOptional, type YMap } from './fields.ts';
import { EVENT_ENTRY, ROOT_META, TASK_ENTRY, TASKS } from './keys.ts';
import { readMeta, type DocMeta } from './meta.ts';
import { makeWriter, observeRoots, type AccessorOptions } from './writer.ts';

export const TASK_PRIORITIES = ['low', 'normal', 'high'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];
export const TASK_STATES = ['open', 'done'] as const;
export type TaskState = (typeof TASK_STATES)[number];
/** Where a task came from: a mail message or calendar events. */
export const TASK_SOURCE_KINDS = ['mail', 'calendar'] as const;
export type TaskSourceKind = (typeof TASK_SOURCE_KINDS)[number];

export const MAX_TASK_TITLE = 300;
export const MAX_TASK_NOTE = 2_000;
export const MAX_TASKS = 5_000;
export const MAX_EVENTS_PER_SOURCE = 500;

/** A link to the original, never its text. */
export interface TaskSource {
  readonly plugin: PluginId;
  readonly kind: TaskSourceKind;
  /** The account or calendar source name (settings-accounts.ts). */
  readonly account: string;
  /** The message id, or the uids of the events concerned. */
  readonly ref: string;
}

export interface Task {
  readonly id: string;
  readonly title: string;
  readonly priority: TaskPriority;
  /** Due time (ms since the epoch), when the source gave one. */
  readonly due?: number;
  /** A short note the plugin wrote (a conflict's suggested moves); never the source's text. */
  readonly note?: string;
  readonly state: TaskState;
  readonly source?: TaskSource;
  readonly createdAt: number;
  readonly createdBy?: DeviceId;
  readonly doneAt?: number;
  readonly doneBy?: DeviceId;
}

export interface NewTask {
  readonly title: string;
  readonly priority?: TaskPriority;
  readonly due?: number;
  readonly note?: string;
  readonly source?: TaskSource;
}

export interface CalendarEvent {
  /** The calendar source name. */
  readonly source: string;
  readonly uid: string;
  readonly summary: string;
  readonly start: number;
  readonly end: number;
  readonly location?: string;
}

export interface TasksState {
  readonly meta?: DocMeta;
  readonly tasks: Task[];
  readonly events: CalendarEvent[];
}

const checkTime = (v: unknown, name: string): number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : badInput(`${name} is a time in milliseconds since the epoch`);

export function checkTaskSource(v: unknown): TaskSource {
  if (!isRecord(v)) badInput('a task source is an object');
  return {
    plugin: checkText(v.plugin, 'source plugin', 100) as PluginId,
    kind: checkEnum(v.kind, 'source kind', TASK_SOURCE_KINDS),
    account: checkText(v.account, 'source account', 200),
    ref: checkText(v.ref, 'source ref', 2000),
  };
}

export function checkNewTask(t: NewTask): NewTask {
  const title = checkText(typeof t.title === 'string' ? t.title.replace(/\s+/g, ' ').trim() : t.title, 'title', MAX_TASK_TITLE);
  return {
    title,
    priority: t.priority === undefined ? 'normal' : checkEnum(t.priority, 'priority', TASK_PRIORITIES),
    ...(t.due !== undefined ? { due: checkTime(t.due, 'due') } : {}),
    ...(t.note !== undefined ? { note: checkText(t.note, 'note', MAX_TASK_NOTE) } : {}),
    ...(t.source !== undefined ? { source: checkTaskSource(t.source) } : {}),
  };
}

export function checkEvent(e: CalendarEvent): CalendarEvent {
  const start = checkTime(e.start, 'start');
  const end = checkTime(e.end, 'end');
  if (end < start) badInput('an event ends after it starts');
  return {
    source: checkText(e.source, 'event source', 200),
    uid: checkText(e.uid, 'event uid', 1000),
    summary: typeof e.summary === 'string' ? e.summary.slice(0, MAX_TASK_TITLE) : badInput('summary is text'),
    start, end,
    ...(typeof e.location === 'string' && e.location !== '' ? { location: e.location.slice(0, 300) } : {}),
  };
}

function readTask(id: string, m: YMap): Task | undefined {
  const title = readString(m, TASK_ENTRY.title);
  const createdAt = readNumber(m, TASK_ENTRY.createdAt);
  if (title === undefined || createdAt === undefined) return undefined;
  const due = readNumber(m, TASK_ENTRY.due);
  const note = readString(m, TASK_ENTRY.note);
  const by = readString(m, TASK_ENTRY.createdBy);
  const doneAt = readNumber(m, TASK_ENTRY.doneAt);
  const doneBy = readString(m, TASK_ENTRY.doneBy);
  let source: TaskSource | undefined;
  try {
    source = m.has(TASK_ENTRY.source) ? checkTaskSource(m.get(TASK_ENTRY.source)) : undefined;
  } catch {
    source = undefined;
  }
  return {
    id, title,
    priority: readEnum(m, TASK_ENTRY.priority, TASK_PRIORITIES) ?? 'normal',
    state: readEnum(m, TASK_ENTRY.state, TASK_STATES) ?? 'open',
    createdAt,
    ...(due !== undefined ? { due } : {}), ...(note !== undefined ? { note } : {}), ...(source ? { source } : {}),
    ...(by !== undefined ? { createdBy: by as DeviceId } : {}),
    ...(doneAt !== undefined ? { doneAt } : {}), ...(doneBy !== undefined ? { doneBy: doneBy as DeviceId } : {}),
  };
}

function readEvent(raw: unknown): CalendarEvent | undefined {
  if (!isRecord(raw)) return undefined;
  try {
    return checkEvent({
      source: raw[EVENT_ENTRY.source] as string, uid: raw[EVENT_ENTRY.uid] as string, summary: raw[EVENT_ENTRY.summary] as string,
      start: raw[EVENT_ENTRY.start] as number, end: raw[EVENT_ENTRY.end] as number, location: raw[EVENT_ENTRY.location] as string,
    });
  } catch {
    return undefined;
  }
}

const sameSource = (a: TaskSource | undefined, b: TaskSource | undefined): boolean =>
  a !== undefined && b !== undefined && a.plugin === b.plugin && a.kind === b.kind && a.account === b.account && a.ref === b.ref;

/** Open first, then by due time (none last), then newest first. */
export function compareTasks(a: Task, b: Task): number {
  if (a.state !== b.state) return a.state === 'open' ? -1 : 1;
  if ((a.due ?? Infinity) !== (b.due ?? Infinity)) return (a.due ?? Infinity) - (b.due ?? Infinity);
  return b.createdAt - a.createdAt || compareStrings(a.id, b.id);
}

export function tasksDoc(doc: Y.Doc, options: AccessorOptions = {}) {
  const w = makeWriter(doc, 'tasks', options);
  const tasks = doc.getMap<unknown>(TASKS.tasks);
  const events = doc.getMap<unknown>(TASKS.events);
  const get = (id: string): Task | undefined => {
    const m = entryOf(tasks, id);
    return m === undefined ? undefined : readTask(id, m);
  };
  const list = (): Task[] => {
    const out: Task[] = [];
    for (const id of tasks.keys()) {
      const t = get(id);
      if (t) out.push(t);
    }
    return out.sort(compareTasks);
  };
  const eventKey = (source: string, uid: string): string => `${source}\u0000${uid}`;
  const listEvents = (source?: string): CalendarEvent[] => {
    const out: CalendarEvent[] = [];
    for (const raw of events.values()) {
      const e = readEvent(raw);
      if (e && (source === undefined || e.source === source)) out.push(e);
    }
    return out.sort((a, b) => a.start - b.start || compareStrings(a.uid, b.uid));
  };
  return {
    /** Every task: open first, by due time. */
    list,
    get,
    /**
     * Adds a task; a task with the same source and title is not added twice (a plugin that runs
     * again over the same message finds the one it wrote). Returns the task and whether it is new.
     */
    add(input: NewTask, by?: DeviceId): { task: Task; added: boolean } {
      const t = checkNewTask(input);
      const existing = list().find((x) => x.title === t.title && sameSource(x.source, t.source));
      if (existing) return { task: existing, added: false };
      if (tasks.size >= MAX_TASKS) badInput(`the Tasks document is full (${MAX_TASKS} tasks): delete done ones`);
      const id = newDocId() as string;
      const m: YMap = new Y.Map<unknown>();
      const at = w.now();
      w.write(() => {
        tasks.set(id, m);
        m.set(TASK_ENTRY.title, t.title);
        m.set(TASK_ENTRY.priority, t.priority);
        m.set(TASK_ENTRY.state, 'open');
        m.set(TASK_ENTRY.createdAt, at);
        setOptional(m, TASK_ENTRY.createdBy, by);
        setOptional(m, TASK_ENTRY.due, t.due);
        setOptional(m, TASK_ENTRY.note, t.note);
        if (t.source) m.set(TASK_ENTRY.source, { ...t.source });
      });
      return { task: get(id)!, added: true };
    },
    /** Marks a task done or open again. */
    setState(id: string, state: TaskState, by?: DeviceId): Task {
      const s = checkEnum(state, 'state', TASK_STATES);
      const m = requireEntry(tasks, id, 'task');
      const at = w.now();
      w.write(() => {
        m.set(TASK_ENTRY.state, s);
        setOptional(m, TASK_ENTRY.doneAt, s === 'done' ? at : undefined);
        setOptional(m, TASK_ENTRY.doneBy, s === 'done' ? by : undefined);
      });
      return get(id)!;
    },
    /** True when there was a task. */
    remove(id: string): boolean {
      if (!tasks.has(id)) return false;
      w.write(() => tasks.delete(id));
      return true;
    },
    /** Upcoming events, by start time; of one source when named. */
    events: listEvents,
    /** Replaces the events of `source` with `list` (the source's upcoming events as just read). */
    replaceEvents(source: string, list: readonly CalendarEvent[]): number {
      const name = checkText(source, 'source', 200);
      if (list.length > MAX_EVENTS_PER_SOURCE) badInput(`at most ${MAX_EVENTS_PER_SOURCE} events per source`);
      const checked = list.map((e) => checkEvent({ ...e, source: name }));
      const keep = new Set(checked.map((e) => eventKey(name, e.uid)));
      w.write(() => {
        for (const [key, raw] of events.entries()) {
          if (readEvent(raw)?.source === name && !keep.has(key)) events.delete(key);
        }
        for (const e of checked) {
          events.set(eventKey(name, e.uid), {
            [EVENT_ENTRY.source]: e.source, [EVENT_ENTRY.uid]: e.uid, [EVENT_ENTRY.summary]: e.summary,
            [EVENT_ENTRY.start]: e.start, [EVENT_ENTRY.end]: e.end, ...(e.location !== undefined ? { [EVENT_ENTRY.location]: e.location } : {}),
          });
        }
      });
      return checked.length;
    },
    observe(listener: () => void): () => void {
      return observeRoots(doc, [doc.getMap<unknown>(ROOT_META), tasks, events], listener);
    },
    toJSON(): TasksState {
      return { meta: readMeta(doc), tasks: list(), events: listEvents() };
    },
    toString(): string {
      return `[tasks: ${tasks.size} tasks, ${events.size} events]`;
    },
  };
}

export type TasksDoc = ReturnType<typeof tasksDoc>;
