/**
 * Driving the app like a user: through labelled controls and visible text,
 * with waits on what the page shows (never fixed sleeps).
 */
import type { BrowserContext, Page } from 'playwright-core';

export const WAIT_MS = 30_000;

export interface Device {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly name: string;
  /** The page's console warnings and errors (the latest 200), for a failing test to print. */
  readonly console: string[];
}

export async function openDevice(context: BrowserContext, url: string, name: string): Promise<Device> {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on('pageerror', (e) => console.error(`[${name}] page error: ${e.message}`));
  const lines: string[] = [];
  page.on('console', (m) => {
    if (m.type() !== 'warning' && m.type() !== 'error') return;
    lines.push(`${new Date().toISOString()} ${m.type()}: ${m.text().slice(0, 500)}`);
    if (lines.length > 200) lines.shift();
  });
  await page.goto(url);
  return { context, page, name, console: lines };
}

export async function waitConnected(d: Device): Promise<void> {
  await d.page.locator('[data-testid=status][data-state=ok]').waitFor();
}

export async function createWorkspace(d: Device, workspaceName: string): Promise<void> {
  await d.page.getByLabel("This device's name").fill(d.name);
  await d.page.getByLabel('Workspace name').fill(workspaceName);
  await d.page.getByRole('button', { name: 'Create workspace' }).click();
  await waitConnected(d);
}

/** Follows the app's own link to `hash` (as a user would; editing the URL bar reloads the page). */
export async function goto(d: Device, hash: string): Promise<void> {
  await d.page.locator(`a[href="${hash}"]`).first().click();
  await d.page.waitForURL((u) => u.hash === hash);
}

/** Adds an OpenAI-style provider in Settings and waits until it is listed. */
export async function addProvider(d: Device, p: { name: string; models: string; baseUrl: string; apiKey: string }): Promise<void> {
  await goto(d, '#/settings');
  const form = d.page.getByRole('form', { name: 'Add a provider' });
  await form.getByLabel('Name').fill(p.name);
  await form.getByLabel('Models (comma-separated)').fill(p.models);
  await form.getByLabel('Base URL (optional)').fill(p.baseUrl);
  await form.getByLabel('API key', { exact: true }).fill(p.apiKey);
  await form.getByRole('button', { name: 'Add provider' }).click();
  await d.page.getByTestId('providers').locator('strong').getByText(p.name, { exact: true }).waitFor();
}

export async function createInvite(d: Device): Promise<string> {
  await goto(d, '#/devices');
  await d.page.getByTestId('create-invite').click();
  return d.page.getByTestId('invite-link').inputValue();
}

/**
 * On the inviting device: waits for a joining device's pairing code, checks it against `expected`
 * when given, and clicks Confirm. Returns the code it showed.
 */
export async function confirmPairing(inviter: Device, expected?: string): Promise<string> {
  const code = (await inviter.page.getByTestId('inviter-pairing-code').textContent())!.replace(/\s/g, '');
  if (expected !== undefined && code !== expected) throw new Error(`the inviter shows ${code}, the new device ${expected}`);
  await inviter.page.getByRole('button', { name: 'Confirm', exact: true }).click();
  return code;
}

/**
 * Opens the invite link on a fresh device and joins; the inviter confirms once both show the same
 * code. Returns the code.
 */
export async function joinWith(d: Device, link: string, inviter: Device): Promise<string> {
  await d.page.goto(link);
  await d.page.getByLabel("This device's name").fill(d.name);
  await d.page.getByRole('button', { name: 'Join workspace' }).click();
  const code = (await d.page.getByTestId('joiner-pairing-code').textContent())!.replace(/\s/g, '');
  await d.page.getByText('Confirm on your other device').first().waitFor();
  await confirmPairing(inviter, code);
  await waitConnected(d);
  return code;
}

export async function newChat(d: Device, title: string): Promise<string> {
  const before = d.page.url();
  await d.page.getByTestId('new-chat').click();
  // A page already on a chat matches /#\/chats\// at once: wait for the new chat's URL.
  await d.page.waitForURL((u) => u.hash.startsWith('#/chats/') && u.href !== before);
  const id = new URL(d.page.url()).hash.replace('#/chats/', '');
  const item = d.page.getByTestId('chat-item').filter({ has: d.page.locator(`a[href="#/chats/${id}"]`) });
  await item.getByRole('button', { name: /Actions for/ }).click();
  await item.getByRole('button', { name: 'Rename' }).click();
  await d.page.locator(`#rename-${id}`).fill(title);
  await d.page.locator(`#rename-${id}`).press('Enter');
  await d.page.getByRole('heading', { name: title }).waitFor();
  return id;
}

export async function openChat(d: Device, chatId: string): Promise<void> {
  await d.page.locator(`a[href="#/chats/${chatId}"]`).click();
  await d.page.locator(`[data-chat="${chatId}"] [data-testid=messages]`).waitFor();
}

/** Writes a message and waits until the transcript shows one more message. */
export async function send(d: Device, text: string): Promise<void> {
  const before = Number(await d.page.getByTestId('messages').getAttribute('data-count'));
  await d.page.getByTestId('composer').fill(text);
  await d.page.getByTestId('composer').press('Enter');
  await waitForCount(d, before + 1);
}

export async function waitForMessage(d: Device, text: string): Promise<void> {
  await d.page.getByTestId('message').filter({ hasText: text }).first().waitFor();
}

/** The rendered message bodies of the open chat, in display order. */
export async function transcript(d: Device): Promise<string[]> {
  return d.page.$$eval('[data-testid=message] .body', (els) => els.map((e) => (e.textContent ?? '').trim()));
}

/** Waits until the open chat shows exactly `n` messages. */
export async function waitForCount(d: Device, n: number): Promise<void> {
  await d.page.locator(`[data-testid=messages][data-count="${n}"]`).waitFor();
}
