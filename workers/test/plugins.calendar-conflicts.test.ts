/**
 * The calendar plugin's conflict rule, on its own: timed events that
 * overlap (across calendars too) are reported once per pair, the same slot
 * booked twice is a double booking, and whole-day or zero-length events,
 * or events that only touch, conflict with nothing. The mail plugin's
 * answer parsing is checked beside it.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript plugin modules carry no types
import { conflictRef, conflictTitle, findConflicts } from '../plugins/calendar/conflicts.mjs';
// @ts-expect-error plain JavaScript plugin modules carry no types
import { parseTasks } from '../plugins/mail-tasks/extract.mjs';

const H = 3_600_000;
const ev = (source: string, uid: string, start: number, end: number, allDay = false) => ({ source, uid, summary: uid, start, end, allDay });

describe('calendar conflicts', () => {
  it('reports overlaps and double bookings across calendars, each pair once', () => {
    const found = findConflicts([
      ev('work', 'standup', 10 * H, 11 * H), ev('home', 'dentist', 10.5 * H, 11.5 * H),
      ev('work', 'review', 14 * H, 15 * H), ev('home', 'call', 14 * H, 15 * H),
      ev('work', 'after', 15 * H, 16 * H),
      ev('home', 'holiday', 0, 24 * H, true), ev('work', 'reminder', 12 * H, 12 * H),
    ]) as { a: { uid: string }; b: { uid: string }; double: boolean }[];
    expect(found.map((c) => [c.a.uid, c.b.uid, c.double])).toEqual([['standup', 'dentist', false], ['review', 'call', true]]);
    expect(conflictRef(found[1])).toBe('work/review home/call');
    expect(conflictTitle(found[1])).toBe('Double booking: "review" 1970-01-01 14:00-15:00 UTC (work) overlaps "call" 1970-01-01 14:00-15:00 UTC (home)');
  });

  it('stops at the cap', () => {
    const many = Array.from({ length: 30 }, (_, i) => ev('c', `e${i}`, 0, H));
    expect(findConflicts(many, 5)).toHaveLength(5);
  });
});

describe('mail answer parsing', () => {
  it('reads tasks from fenced or bare JSON, defaults the priority, and ignores the rest', () => {
    expect(parseTasks('Sure!\n```json\n{"tasks":[{"title":"  Pay   rent ","priority":"urgent","due":"2030-01-31"},{"title":""},{"nope":1}]}\n```')).toEqual([
      { title: 'Pay rent', priority: 'normal', due: Date.UTC(2030, 0, 31, 23, 59) },
    ]);
    expect(parseTasks('{"tasks":[]}')).toEqual([]);
    expect(parseTasks('no JSON here')).toEqual([]);
    expect(parseTasks('{"tasks":[{"title":"x","due":"someday"}]}')).toEqual([{ title: 'x', priority: 'normal' }]);
  });
});
