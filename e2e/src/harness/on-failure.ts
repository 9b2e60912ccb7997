/**
 * What a failing e2e test prints: the tail of each process's output, each
 * page's console warnings and the text it shows, so a failure on a busy CI
 * machine can be read after the fact instead of reproduced.
 */
import { afterEach } from 'vitest';
import type { Device } from './app-driver.ts';

type Text = string | readonly string[] | undefined;
export type Source = readonly [name: string, text: () => Text | Promise<Text>];

/** A device's console warnings and the text its page shows now. */
export function deviceSources(d: Device | undefined): Source[] {
  if (!d) return [];
  return [
    [`${d.name} console`, () => d.console],
    [`${d.name} page (${d.page.isClosed() ? 'closed' : d.page.url()})`, async () => (d.page.isClosed() ? '' : await d.page.locator('body').innerText({ timeout: 5_000 }).catch((e: unknown) => String(e)))],
  ];
}

/** Registers an afterEach that prints `sources` (the last `tail` characters of each) when the test failed. */
export function printOnFailure(sources: () => readonly Source[], tail = 12_000): void {
  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail') return;
    for (const [name, text] of sources()) {
      const t = await text();
      const s = typeof t === 'string' ? t : (t ?? []).join('\n');
      console.log(`----- ${name} (last ${tail} characters) -----\n${s.slice(-tail)}`);
    }
  });
}
