/**
 * The header module loads first on its own in Node: no import cycle through the crypto byte helpers
 * (which take the envelope signature context from it) leaves a constant uninitialised when a program
 * imports the header before them. Run in a child process, since the test runner's own module loader
 * does not reproduce ESM's initialisation order.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('envelope/header.ts', () => {
  it('loads as the first module of a program', () => {
    const header = fileURLToPath(new URL('./header.ts', import.meta.url));
    const script = `const h = await import(${JSON.stringify(header)}); console.log(typeof h.parseEnvelope, h.ENVELOPE_SIGNATURE_CONTEXT.length > 0);`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(out.trim()).toBe('function true');
  });
});
