import { describe, expect, it } from 'vitest';
import { quoteGuard } from './quote-guard.ts';

const BODY = 'Hi Alice, please send the Q3 figures to finance by Friday. The sheet password is PELICAN-7731.';

describe('quote guard', () => {
  it('lets a title in its own words pass and catches a copied sentence, whatever the case and spacing', () => {
    const g = quoteGuard();
    g.remember(BODY);
    expect(g.quoted('Send the Q3 figures to finance')).toBeUndefined();
    expect(g.quoted('PLEASE SEND the Q3   figures to finance, by Friday!')).toBe('please send the q3 figures to finance by');
    expect(g.quoted('Due by Friday: the sheet password is pelican 7731.')).toMatch(/by friday the sheet password/);
  });

  it('remembers nothing shorter than a run, and knows only what it was told', () => {
    const g = quoteGuard();
    g.remember('Short note.');
    expect(g.quoted('Short note. Short note. Short note. Short note.')).toBeUndefined();
    expect(quoteGuard().quoted(BODY)).toBeUndefined();
  });
});
