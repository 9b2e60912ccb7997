import { describe, expect, it } from 'vitest';
import { isTendrilError } from '@tendril/crdt-schema/errors';
import { parseCron } from './cron.ts';

describe('cron parsing', () => {
  it.each([
    ['* * * *', /five fields/],
    ['60 * * * *', /minute value "60"/],
    ['* 24 * * *', /hour/],
    ['* * 0 * *', /day of month/],
    ['* * * 13 *', /month/],
    ['* * * * 8', /day of week/],
    ['5-1 * * * *', /backwards/],
    ['*/0 * * * *', /step/],
    ['1/2/3 * * * *', /"1\/2\/3"/],
    ['* * * FOO *', /month value "FOO"/],
    ['1,,2 * * * *', /""/],
  ])('refuses %s', (expr, why) => {
    let err: unknown;
    try {
      parseCron(expr);
    } catch (e) {
      err = e;
    }
    expect(isTendrilError(err, 'E_BAD_INPUT')).toBe(true);
    expect((err as Error).message).toMatch(why);
  });

  it('accepts names, lists, ranges, steps and ?', () => {
    expect(() => parseCron('0,30 9-17/2 ? jan-MAR mon-fri')).not.toThrow();
  });
});
