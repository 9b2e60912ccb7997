import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errorGroups, renderErrorsDoc } from '../scripts/errors-doc.ts';
import { ERRORS } from './errors.ts';

const source = readFileSync(fileURLToPath(new URL('./errors.ts', import.meta.url)), 'utf8');
const doc = readFileSync(fileURLToPath(new URL('../../docs/ERRORS.md', import.meta.url)), 'utf8');

describe('docs/ERRORS.md', () => {
  it('is exactly what the error table renders to (regenerate: npx tsx crdt-schema/scripts/gen-errors-doc.ts)', () => {
    expect(doc).toBe(renderErrorsDoc(source, ERRORS));
  });

  it('lists every code once, with its summary and recovery rule', () => {
    for (const [code, info] of Object.entries(ERRORS)) {
      const rows = doc.split('\n').filter((l) => l.startsWith(`| \`${code}\``));
      expect(rows, code).toHaveLength(1);
      expect(rows[0]).toContain(info.summary);
      expect(rows[0]).toContain(info.recovery);
    }
  });

  it('notices a code added to the table but missing from the source groups', () => {
    expect(() => errorGroups(source, { ...ERRORS, E_NOT_IN_SOURCE: { summary: 's', recovery: 'r' } })).toThrow(/do not match/);
    expect(errorGroups(source, ERRORS).flatMap((g) => g.codes)).toEqual(Object.keys(ERRORS));
  });
});
