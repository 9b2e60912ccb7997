/**
 * Fractional order keys: strings that sort between two neighbours, so moving
 * one item in a list writes one field instead of renumbering the list. Two
 * peers that concurrently pick the same key are ordered by id afterwards.
 */
import { badInput } from './fields.ts';

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const VALID = /^[0-9A-Za-z]*[1-9A-Za-z]$/;

function digit(c: string | undefined): number {
  return c === undefined ? 0 : DIGITS.indexOf(c);
}

/** A key strictly between `a` and `b` (`b` undefined: no upper bound). Keys never end in '0'. */
function midpoint(a: string, b: string | undefined): string {
  if (b !== undefined) {
    let n = 0;
    while ((a[n] ?? '0') === b[n]) n++;
    if (n > 0) return b.slice(0, n) + midpoint(a.slice(n), b.slice(n));
  }
  const da = digit(a[0]);
  const db = b !== undefined ? digit(b[0]) : DIGITS.length;
  if (db - da > 1) return DIGITS[Math.round((da + db) / 2)]!;
  if (b !== undefined && b.length > 1) return b.slice(0, 1);
  return DIGITS[da]! + midpoint(a.slice(1), undefined);
}

export function isOrderKey(key: unknown): key is string {
  return typeof key === 'string' && key.length <= 200 && VALID.test(key);
}

/**
 * A key that sorts after `before` and before `after` (either may be omitted
 * for the ends of the list). Throws E_BAD_INPUT unless `before < after`.
 */
export function orderKeyBetween(before?: string, after?: string): string {
  if (before !== undefined && !isOrderKey(before)) badInput(`not an order key: ${before}`);
  if (after !== undefined && !isOrderKey(after)) badInput(`not an order key: ${after}`);
  if (before !== undefined && after !== undefined && before >= after) badInput('order keys must be given low, high');
  return midpoint(before ?? '', after);
}
