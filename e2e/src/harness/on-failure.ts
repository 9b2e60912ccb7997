/**
 * What a failing e2e test prints: the tail of each process's output and each
 * page's console warnings, so a failure on a busy CI machine can be read
 * after the fact instead of reproduced.
 */
import { afterEach } from 'vitest';

export type Source = readonly [name: string, text: () => string | readonly string[] | undefined];

/** Registers an afterEach that prints `sources` (the last `tail` characters of each) when the test failed. */
export function printOnFailure(sources: () => readonly Source[], tail = 12_000): void {
  afterEach(({ task }) => {
    if (task.result?.state !== 'fail') return;
    for (const [name, text] of sources()) {
      const t = text();
      const s = typeof t === 'string' ? t : (t ?? []).join('\n');
      console.log(`----- ${name} (last ${tail} characters) -----\n${s.slice(-tail)}`);
    }
  });
}
