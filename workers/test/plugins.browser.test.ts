/**
 * The browser history plugin: nothing is read without the read_browser_history
 * grant (the refusal is logged); with it, a seeded Chromium profile's URLs and
 * bookmarks (and a Firefox profile's) reach workspace search, read from a copy
 * while the live database stays open, with URLs and titles only crossing into
 * the plugin; the next run reads only what is new.
 */
import { readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePluginManifest } from '@tendril/crdt-schema/schema';
import { AGENT_PLUGIN_ID, BROWSER_HISTORY_ID } from '../src/plugins/builtin.ts';
import { loadManifest } from '../src/plugins/plugin-entry.ts';
import { RunStatus } from '../src/plugins/plugin-runner.ts';
import { agentToolbox } from '../src/tools/agent-tools.ts';
import { chromiumProfile, firefoxProfile } from './browser-fixtures.ts';
import { ROOT } from './harness.ts';
import { pluginWorld, USER, WORKER } from './plugins.fixtures.ts';

const copies = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith('tendril-browser-'));

describe('browser history plugin', () => {
  const w = pluginWorld('browser');
  const chrome = join(w.dir.path, 'chrome', 'Default');
  const firefox = join(w.dir.path, 'firefox', 'abcd.default');
  const live = chromiumProfile(chrome, [
    { url: 'https://www.okapi-facts.example/stripes', title: 'Why the okapi has stripes' },
    { url: 'chrome://settings/passwords', title: 'Passwords' },
  ], [{ url: 'https://tapir.example/', title: 'Tapir society' }]);
  live.searchTerm('secret search about gerenuk');
  firefoxProfile(firefox, [{ url: 'https://saiga.example/antelope', title: 'Saiga antelope' }], [{ url: 'https://dikdik.example/', title: 'Dik-dik club' }]);
  w.permissions.plugins.install(loadManifest('builtin:browser-history', ROOT), USER);
  w.grant(AGENT_PLUGIN_ID, 'read-chats', '*');
  const tools = agentToolbox({ permissions: w.permissions, device: WORKER, chats: w.chats });
  const search = (query: string) => tools.execute({ id: 'q', name: 'search_workspace', arguments: JSON.stringify({ query }) }, new AbortController().signal);
  const crossed: string[] = [];
  const runner = w.runner({ trace: (dir, m) => dir === 'to-thread' && crossed.push(JSON.stringify(m)) });
  afterAll(() => {
    live.close();
    w.dir.remove();
  });

  it('reads nothing without the grant, and logs the refusal', async () => {
    expect(await runner.run(BROWSER_HISTORY_ID)).toMatchObject({ status: RunStatus.Refused, message: 'no permission it asks for is granted' });
    w.grant(BROWSER_HISTORY_ID, 'write-chats', 'new');
    expect(await runner.run(BROWSER_HISTORY_ID)).toMatchObject({ status: RunStatus.Refused, message: 'not granted: read_browser_history' });
    expect(w.log(BROWSER_HISTORY_ID)).toEqual(['denied read_browser_history *', 'denied write-chats new', 'denied read_browser_history *']);
    expect(w.chats.list()).toEqual([]);
    expect(await search('okapi')).toMatch(/^No matches/);
  });

  it('puts a Chromium profile\'s URLs and bookmarks into workspace search, from a copy, URLs and titles only', async () => {
    const before = copies();
    const mtime = statSync(join(chrome, 'History')).mtimeMs;
    w.grant(BROWSER_HISTORY_ID, 'read_browser_history', chrome);
    const r = await runner.run(BROWSER_HISTORY_ID);
    expect(r).toMatchObject({ status: RunStatus.Ok, message: 'added 1 pages from 1 profile(s), 0 failed' });
    const okapi = await search('okapi stripes');
    expect(okapi).toContain('chat "Browser history: ');
    expect(okapi).toContain('Why the okapi has stripes — https://www.okapi-facts.example/stripes');
    expect(await search('tapir')).toContain('Tapir society — https://tapir.example/');
    // Only web URLs and titles: no browser-internal pages, no search terms, no visit rows.
    const all = crossed.join('\n');
    expect(all).not.toMatch(/chrome:\/\/|gerenuk|visit_count|transition/);
    expect(await search('passwords')).toMatch(/^No matches/);
    // The live database is locked by the "browser": opening it would fail. It was not touched, and the copy is gone.
    const direct = new Database(join(chrome, 'History'), { readonly: true, timeout: 0 });
    expect(() => direct.prepare('SELECT count(*) FROM urls').get()).toThrow(/locked/);
    direct.close();
    expect(statSync(join(chrome, 'History')).mtimeMs).toBe(mtime);
    expect(copies()).toEqual(before);
    expect(w.log(BROWSER_HISTORY_ID)).toContain(`allowed read_browser_history ${chrome}`);
  });

  it('reads only what is new on the next run, and a Firefox profile too', async () => {
    expect(await runner.run(BROWSER_HISTORY_ID)).toMatchObject({ status: RunStatus.Ok, message: 'added 0 pages from 1 profile(s), 0 failed' });
    live.add({ url: 'https://bongo.example/', title: 'Bongo sightings' });
    w.grant(BROWSER_HISTORY_ID, 'read_browser_history', firefox);
    expect(await runner.run(BROWSER_HISTORY_ID)).toMatchObject({ status: RunStatus.Ok, message: 'added 2 pages from 2 profile(s), 0 failed' });
    expect(await search('bongo')).toContain('Bongo sightings — https://bongo.example/');
    expect(await search('saiga')).toContain('Saiga antelope — https://saiga.example/antelope');
    expect(await search('dik')).toContain('Dik-dik club — https://dikdik.example/');
  });

  it('reads no profile it was not granted, and logs the denial', async () => {
    const id = w.install(`export default async function run(api) {
  try { await api.readBrowserHistory(${JSON.stringify(join(w.dir.path, 'chrome', 'Other'))}); return 'read'; } catch (e) { return e.code; }
}`, { permissions: [{ kind: 'read_browser_history', resource: '*', reason: 'r', dangerous: true }] });
    w.grant(id, 'read_browser_history', chrome);
    expect(await w.runner().run(id)).toMatchObject({ status: RunStatus.Ok, message: 'denied' });
    expect(w.log(id)).toEqual([`denied read_browser_history ${join(w.dir.path, 'chrome', 'Other')}`]);
  });

  it('refuses a manifest that asks for browser history without marking it dangerous', () => {
    const manifest = { id: 'x'.repeat(22), name: 'n', version: '1', permissions: [{ kind: 'read_browser_history', resource: '*', reason: 'r' }], entry: 'index.mjs' };
    expect(() => parsePluginManifest(manifest)).toThrow(/must be marked dangerous: true/);
    expect(parsePluginManifest({ ...manifest, permissions: [{ ...manifest.permissions[0], dangerous: true }] }).permissions[0]!.dangerous).toBe(true);
  });
});
