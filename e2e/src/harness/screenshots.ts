/** Screenshots of the main views, saved under e2e/artifacts/ (gitignored) for a person to look at. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './build-app.ts';

export const ARTIFACTS = join(ROOT, 'e2e/artifacts');

export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}
