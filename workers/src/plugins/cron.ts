/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week),
 * as in Vixie cron: `*`, `?`, numbers, names (JAN-DEC, SUN-SAT), ranges,
 * lists and steps (`*\/15`, `1-5`, `MON-FRI`, `0,30`). When both day fields
 * are restricted, a day matches if either does. Times are local unless `utc`.
 *
 *   parseCron('0 18 * * *').next(Date.now())  // today or tomorrow at 18:00
 */
import { TendrilError } from '@tendril/crdt-schema/errors';

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

export interface Cron {
  readonly source: string;
  /** True when the minute containing `at` is a firing time. */
  matches(at: number): boolean;
  /** The first firing time strictly after `after` (ms, on a whole minute), or null if none within 8 years. */
  next(after: number): number | null;
}

const bad = (expr: string, why: string): never => {
  throw new TendrilError('E_BAD_INPUT', `bad cron expression "${expr}": ${why}`);
};

function parseValue(text: string, f: FieldSpec, expr: string): number {
  const named = f.names?.indexOf(text.toUpperCase()) ?? -1;
  const n = named >= 0 ? named + (f.name === 'month' ? 1 : 0) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < f.min || n > f.max) bad(expr, `${f.name} value "${text}" is not in ${f.min}-${f.max}`);
  return n;
}

/** The set of values a field allows; `star` when it was `*` or `?` (unrestricted). */
function parseField(text: string, f: FieldSpec, expr: string): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  const star = text === '*' || text === '?';
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (range === undefined || range === '' || extra !== undefined) bad(expr, `"${part}" in the ${f.name} field`);
    const step = stepText === undefined ? 1 : /^\d+$/.test(stepText) && Number(stepText) > 0 ? Number(stepText) : bad(expr, `step "${stepText}"`);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') [lo, hi] = [f.min, f.max];
    else if (range!.includes('-')) {
      const [a, b, more] = range!.split('-');
      if (a === undefined || b === undefined || more !== undefined) bad(expr, `range "${range}"`);
      [lo, hi] = [parseValue(a!, f, expr), parseValue(b!, f, expr)];
      if (lo > hi) bad(expr, `range "${range}" runs backwards`);
    } else {
      lo = parseValue(range!, f, expr);
      hi = stepText === undefined ? lo : f.max;
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  if (f.name === 'day of week' && values.has(7)) values.add(0);
  return { values, star };
}

/** Date fields in local time or UTC. */
function clock(utc: boolean) {
  return utc
    ? { get: (d: Date) => [d.getUTCMinutes(), d.getUTCHours(), d.getUTCDate(), d.getUTCMonth() + 1, d.getUTCDay(), d.getUTCFullYear()] as const,
        make: (y: number, mo: number, day: number, h: number, mi: number) => Date.UTC(y, mo - 1, day, h, mi) }
    : { get: (d: Date) => [d.getMinutes(), d.getHours(), d.getDate(), d.getMonth() + 1, d.getDay(), d.getFullYear()] as const,
        make: (y: number, mo: number, day: number, h: number, mi: number) => new Date(y, mo - 1, day, h, mi).getTime() };
}

export function parseCron(expr: string, options: { utc?: boolean } = {}): Cron {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) bad(expr, `five fields expected, got ${parts.length}`);
  const [minute, hour, dom, month, dow] = parts.map((p, i) => parseField(p, FIELDS[i]!, expr)) as [
    ReturnType<typeof parseField>, ReturnType<typeof parseField>, ReturnType<typeof parseField>, ReturnType<typeof parseField>, ReturnType<typeof parseField>,
  ];
  const c = clock(options.utc === true);
  const dayMatches = (day: number, weekday: number): boolean => {
    if (dom.star || dow.star) return dom.values.has(day) && dow.values.has(weekday);
    return dom.values.has(day) || dow.values.has(weekday);
  };
  const matches = (at: number): boolean => {
    const [mi, h, day, mo, wd] = c.get(new Date(at));
    return minute.values.has(mi) && hour.values.has(h) && month.values.has(mo) && dayMatches(day, wd);
  };
  return {
    source: expr,
    matches,
    next(after: number): number | null {
      let t = Math.floor(after / 60_000) * 60_000 + 60_000;
      const limitYear = new Date(after).getFullYear() + 8;
      // Skip whole months, days and hours that cannot match; DST gaps are handled by re-reading the fields.
      for (let guard = 0; guard < 200_000; guard++) {
        const [mi, h, day, mo, wd, y] = c.get(new Date(t));
        if (y > limitYear) return null;
        if (!month.values.has(mo)) t = c.make(y, mo + 1, 1, 0, 0);
        else if (!dayMatches(day, wd)) t = c.make(y, mo, day + 1, 0, 0);
        else if (!hour.values.has(h)) t = Math.max(c.make(y, mo, day, h + 1, 0), t + 60_000);
        else if (!minute.values.has(mi)) t += 60_000;
        else return t;
      }
      return null;
    },
  };
}
