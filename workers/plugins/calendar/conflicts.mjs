// Calendar conflicts: two timed events that overlap (one starts before the
// other ends), whichever calendars they come from; the same time booked
// twice is the extreme case. Whole-day events (holidays, birthdays) and
// events of no length block nothing. Pure functions: the calendar plugin
// and its tests share them.

/** @typedef {{ source: string; uid: string; summary: string; start: number; end: number; allDay?: boolean }} Ev */

/** Pairs of overlapping events, each pair once, by the start of the later one. @param {Ev[]} events @param {number} max */
export function findConflicts(events, max = 20) {
  const timed = events.filter((e) => !e.allDay && e.end > e.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const out = [];
  for (let i = 0; i < timed.length && out.length < max; i++) {
    for (let j = i + 1; j < timed.length && timed[j].start < timed[i].end; j++) {
      out.push({ a: timed[i], b: timed[j], double: timed[i].start === timed[j].start && timed[i].end === timed[j].end });
      if (out.length >= max) break;
    }
  }
  return out;
}

const hhmm = (ms) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** One line per event, for the model and the task title. @param {Ev} e */
export const describe = (e) => `"${e.summary || 'untitled'}" ${hhmm(e.start)}-${hhmm(e.end).slice(11)} UTC (${e.source})`;

/** The task title of a conflict. */
export function conflictTitle(c) {
  return `${c.double ? 'Double booking' : 'Calendar conflict'}: ${describe(c.a)} overlaps ${describe(c.b)}`;
}

/** A stable reference to both events: their sources and uids. */
export const conflictRef = (c) => `${c.a.source}/${c.a.uid} ${c.b.source}/${c.b.uid}`;

export const SYSTEM = 'You help a person fix calendar conflicts. Given two overlapping events and the rest of their schedule, suggest in at most three short lines which event to move and to which free time. Plain text, no preamble.';
