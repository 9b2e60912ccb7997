/**
 * Writes docs/ERRORS.md from the error table.
 * Usage: `npx tsx crdt-schema/scripts/gen-errors-doc.ts` (or `--check` to only
 * report whether the file is current, exiting 1 when it is not).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERRORS } from '../src/errors.ts';
import { renderErrorsDoc } from './errors-doc.ts';

const sourcePath = fileURLToPath(new URL('../src/errors.ts', import.meta.url));
const docPath = fileURLToPath(new URL('../../docs/ERRORS.md', import.meta.url));

const wanted = renderErrorsDoc(readFileSync(sourcePath, 'utf8'), ERRORS);
let current = '';
try {
  current = readFileSync(docPath, 'utf8');
} catch {
  current = '';
}

if (process.argv.includes('--check')) {
  if (current !== wanted) {
    console.error('docs/ERRORS.md is out of date: run npx tsx crdt-schema/scripts/gen-errors-doc.ts');
    process.exit(1);
  }
  console.log('docs/ERRORS.md is current');
} else if (current === wanted) {
  console.log('docs/ERRORS.md already current');
} else {
  writeFileSync(docPath, wanted);
  console.log(`wrote ${docPath}`);
}
