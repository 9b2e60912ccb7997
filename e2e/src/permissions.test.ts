/**
 * The Permissions view against a Node device in the test process: the Node
 * device installs a plugin manifest into the permissions document, the browser
 * shows it, approves a permission (the grant reaches the Node device), revokes
 * it (it goes away there too), shows an activity entry the Node device logged
 * and exports it as CSV. Then "Test provider" in Settings streams a reply
 * through the relay's LLM proxy from the fake provider.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPluginId } from '@tendril/crdt-schema/ids';
import type { PermissionsDoc, PluginManifest } from '@tendril/crdt-schema/schema';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { confirmPairing, createInvite, createWorkspace, goto, openDevice, WAIT_MS, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { joinAsNodeDevice } from './harness/node-device.ts';
import { startRelay, type Relay } from './harness/relay.ts';

const KEY = 'sk-fake-e2e-proxy';
const MANIFEST: PluginManifest = {
  id: newPluginId(),
  name: 'Notes digest',
  version: '1.2.0',
  description: 'Summarizes the notes folder every morning.',
  permissions: [
    { kind: 'read-folder', resource: '/notes', reason: 'to read the notes it summarizes' },
    { kind: 'network', resource: 'api.example.com', reason: 'to fetch the weather for the digest' },
  ],
  entry: 'index.js',
};

/** A CSV cell as the export writes an id: random ids may start with '-', which is neutralized. */
const idCell = (v: string): string => (/^[=+\-@]/.test(v) ? `'${v}` : v);

/** Polls `check` until it holds or the deadline passes. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('permissions and the model proxy', { timeout: 180_000 }, () => {
  let dir: string;
  let relay: Relay;
  let fake: FakeProvider;
  let browser: Browser;
  let a: Device;
  let node: WorkspaceSession;
  let perms: PermissionsDoc;
  const target = { plugin: MANIFEST.id, kind: 'read-folder', resource: '/notes' } as const;

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-perms-'));
    fake = await startFakeProvider({ apiKey: KEY, fallback: { text: ['proxied ', 'hello ', 'from the fake'], chunkDelayMs: 20 } });
    relay = await startRelay(join(dir, 'relay'), 0, { TENDRIL_PROXY_OPENAI_URL: `${fake.url}/v1` });
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true }), relay.url, 'Laptop');
  }, 300_000);

  afterAll(async () => {
    await node?.close();
    await browser?.close();
    await fake?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows a plugin installed on another device, and its grant reaches that device and is revoked there', async () => {
    await createWorkspace(a, 'Plugins');
    node = await joinAsNodeDevice(await createInvite(a), 'Agent box', (code) => confirmPairing(a, code));
    perms = (await node.openPermissions()).permissions;
    perms.plugins.install(MANIFEST, node.home.identity.deviceId);
    expect(await node.syncOrQueue(20_000)).toBe('synced');

    await goto(a, '#/permissions');
    const card = a.page.locator(`[data-plugin="${MANIFEST.id}"]`);
    await card.getByRole('heading', { name: 'Notes digest' }).waitFor();
    await card.getByText('to read the notes it summarizes').waitFor();
    await card.getByRole('button', { name: 'Review permissions of Notes digest' }).click();
    const dialog = a.page.getByRole('dialog', { name: 'Permissions for Notes digest' });
    await dialog.getByRole('button', { name: 'Allow read-folder on /notes' }).click();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await a.page.getByTestId('grant-row').filter({ hasText: '/notes' }).waitFor();

    await until(() => perms.grants.isAllowed(target), 'the grant on the node device');
    expect(perms.grants.get(target)?.decision).toBe('granted');

    await a.page.getByRole('button', { name: `Revoke read-folder on /notes for ${MANIFEST.id}` }).click();
    await a.page.getByTestId('grant-row').filter({ hasText: '/notes' }).waitFor({ state: 'detached' });
    await until(() => perms.grants.get(target)?.revokedAt !== undefined, 'the revocation on the node device');
    expect(perms.grants.isAllowed(target)).toBe(false);
  });

  it('shows an activity entry the node device logged, filters it, and exports it as CSV', async () => {
    perms.activity.append(node.home.identity.deviceId, { plugin: MANIFEST.id, permission: 'network', resource: 'api.example.com', outcome: 'denied', detail: '=not a formula' });
    expect(await node.syncOrQueue(20_000)).toBe('synced');
    const row = a.page.getByTestId('activity-row').filter({ hasText: 'api.example.com' });
    await row.waitFor();
    await a.page.getByLabel('Filter by outcome').selectOption('allowed');
    await row.waitFor({ state: 'detached' });
    await a.page.getByLabel('Filter by outcome').selectOption('denied');
    await a.page.getByLabel('Filter by permission').selectOption('network');
    await row.waitFor();

    const [download] = await Promise.all([a.page.waitForEvent('download'), a.page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('time,plugin,plugin_name,permission,resource,outcome,detail,device');
    expect(csv).toContain(`${idCell(MANIFEST.id)},Notes digest,network,api.example.com,denied,'=not a formula,${idCell(node.home.identity.deviceId)}\r\n`);
  });

  it('tests an OpenAI provider through the relay proxy and shows the streamed reply', async () => {
    await goto(a, '#/settings');
    const form = a.page.getByRole('form', { name: 'Add a provider' });
    await form.getByLabel('API key', { exact: true }).fill(KEY);
    await form.getByRole('button', { name: 'Add provider' }).click();
    await a.page.getByRole('button', { name: 'Test provider openai' }).click();
    await a.page.getByTestId('provider-test-reply').filter({ hasText: 'proxied hello from the fake' }).waitFor();
    expect(fake.requests.at(-1)?.headers.authorization).toBe(`Bearer ${KEY}`);
  });
});
