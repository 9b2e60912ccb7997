/**
 * Approving a plan in the app: with "Plan first" ticked, the open tab (no
 * worker anywhere) answers with the plan the fake provider scripts, three
 * notification steps, and runs nothing. Editing step 3, rejecting step 2 and pressing "Run
 * approved steps" makes the tab run steps 1 and 3 in order: each shows done
 * with its result, step 2 shows skipped, and the plan ends done; it is then
 * saved as a playbook (a bad schedule is refused with the reason) and run
 * again by hand from the Agents page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { addProvider, createWorkspace, newChat, openDevice, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { startRelay, type Relay } from './harness/relay.ts';
import { shoot } from './harness/screenshots.ts';

const KEY = 'sk-fake-plans';
const PLAN = JSON.stringify({
  summary: 'Three notes',
  steps: [1, 2, 3].map((n) => ({ kind: 'notify', title: `note ${n}`, text: `note number ${n}` })),
});

describe('plans in the app', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: Relay;
  let fake: FakeProvider;
  let browser: Browser;
  let a: Device;

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-plans-'));
    fake = await startFakeProvider({ apiKey: KEY, cors: true, fallback: { text: [PLAN] } });
    relay = await startRelay(join(dir, 'relay'));
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Laptop');
    await createWorkspace(a, 'Plans');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await fake?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the plan, runs only the approved steps once approved', async () => {
    await addProvider(a, { name: 'local', models: 'gpt-4o-mini', baseUrl: `${fake.url}/v1`, apiKey: KEY });

    await newChat(a, 'Notes');
    await a.page.getByTestId('plan-next').check();
    await a.page.getByTestId('composer').fill('leave me three notes');
    await a.page.getByTestId('composer').press('Enter');
    const plan = a.page.getByTestId('plan');
    await plan.waitFor();
    expect(await plan.getAttribute('data-state')).toBe('proposed');
    const steps = plan.getByTestId('plan-step');
    expect(await steps.count()).toBe(3);
    await shoot(a.page, 'plan-proposed');

    // Edit step 3 before approving: what runs is the edited step.
    await steps.nth(2).getByTestId('step-edit').click();
    await steps.nth(2).getByTestId('step-field-text').fill('note three, edited');
    await steps.nth(2).getByTestId('step-save').click();
    await steps.nth(2).getByText('edited', { exact: true }).waitFor();
    await steps.nth(1).getByTestId('step-reject').click();
    await expect.poll(() => steps.nth(1).getAttribute('data-decision')).toBe('rejected');
    await plan.getByTestId('plan-approve').click();
    await expect.poll(() => plan.getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
    expect(await Promise.all([0, 1, 2].map((i) => steps.nth(i).getAttribute('data-status')))).toEqual(['done', 'skipped', 'done']);
    expect(await steps.nth(0).getByTestId('step-result').textContent()).toBe('note number 1');
    expect(await steps.nth(2).getByTestId('step-result').textContent()).toBe('note three, edited');
    expect(await steps.nth(1).getByTestId('step-result').count()).toBe(0);
    await shoot(a.page, 'plan-done');

    // Saved as a playbook: the approved steps only, to run again by hand or on a schedule.
    await plan.getByTestId('playbook-open').click();
    await plan.getByTestId('playbook-name').fill('notes');
    await plan.getByTestId('playbook-schedule').fill('every day');
    await plan.getByTestId('playbook-save').click();
    await plan.getByRole('alert').waitFor();
    await plan.getByTestId('playbook-schedule').fill('0 3 * * *');
    await plan.getByTestId('playbook-save').click();
    expect(await plan.getByTestId('playbook-saved').textContent()).toBe('Saved playbook notes (2 steps, 0 3 * * *).');
    const chatUrl = a.page.url();

    // Run it again by hand from the Agents page: a second plan, already approved, runs in the chat.
    await a.page.getByTestId('nav-agents').click();
    const book = a.page.getByTestId('playbook').filter({ hasText: 'notes' });
    expect(await book.textContent()).toContain('Assistant · 2 steps · 0 3 * * *');
    await book.getByTestId('playbook-run').click();
    await a.page.getByRole('status').filter({ hasText: 'Started notes' }).waitFor();
    await a.page.goto(chatUrl);
    const second = a.page.getByTestId('plan').nth(1);
    await expect.poll(() => second.getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
    expect(await second.getByTestId('step-result').allTextContents()).toEqual(['note number 1', 'note three, edited']);
  });
});
