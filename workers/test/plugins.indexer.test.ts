/**
 * The shipped folder indexer, run by the plugin service as in a worker: it
 * indexes a granted temp folder into a chat of its own, the service's
 * watcher picks up a new, a changed and a removed file, and the agent's
 * search_workspace tool finds files by their current text.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemTimers } from '../src/llm/deps.ts';
import { AGENT_PLUGIN_ID, FOLDER_INDEXER_ID } from '../src/plugins/builtin.ts';
import { loadManifest } from '../src/plugins/plugin-entry.ts';
import { RunStatus, type RunResult } from '../src/plugins/plugin-runner.ts';
import { PluginService } from '../src/plugins/plugin-service.ts';
import { agentToolbox } from '../src/tools/agent-tools.ts';
import { parseIndexEntry } from '../src/tools/folder-index-format.ts';
import { eventually, ROOT } from './harness.ts';
import { pluginWorld, USER, WORKER } from './plugins.fixtures.ts';

describe('folder indexer plugin', () => {
  const w = pluginWorld('indexer');
  const notes = join(w.dir.path, 'notes');
  mkdirSync(join(notes, 'sub'), { recursive: true });
  writeFileSync(join(notes, 'plan.md'), '# Plan\nShip the aardvark release on Friday.');
  writeFileSync(join(notes, 'sub', 'ideas.txt'), 'A pelican-themed logo.');
  writeFileSync(join(notes, 'photo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]));
  writeFileSync(join(notes, '.hidden.md'), 'never indexed');
  w.permissions.plugins.install(loadManifest('builtin:folder-indexer', ROOT), USER);

  const results: RunResult[] = [];
  const runner = w.runner();
  let service: PluginService | null = null;
  service = new PluginService({
    runner: w.runner({ onWatch: (p, f) => service?.watch(p, f) }), permissions: w.permissions, state: w.state,
    now: Date.now, timers: systemTimers, onResult: (r) => results.push(r),
  });
  const tools = agentToolbox({ permissions: w.permissions, device: WORKER, chats: w.chats });
  const search = (query: string) => tools.execute({ id: 'q', name: 'search_workspace', arguments: JSON.stringify({ query }) }, new AbortController().signal);
  const indexChat = async () => {
    const entry = w.chats.list().find((c) => c.title === `Folder index: ${notes}`);
    return entry ? (await w.chats.open(entry.id)).transcript() : [];
  };
  const liveFiles = async () =>
    (await indexChat()).filter((m) => m.editedAt === undefined).map((m) => parseIndexEntry(m.content)).filter((e) => e && !e.removed).map((e) => e!.file).sort();

  afterAll(async () => {
    await service?.stop();
    await runner.stopAll();
    w.dir.remove();
  });

  it('is refused, and logged, while no folder is granted', async () => {
    const r = await runner.run(FOLDER_INDEXER_ID);
    expect(r.status).toBe(RunStatus.Refused);
    expect(w.log(FOLDER_INDEXER_ID)).toEqual(['denied read-folder *', 'denied write-chats new']);
  });

  it('indexes the text files of the granted folder into its own chat', async () => {
    w.grant(FOLDER_INDEXER_ID, 'read-folder', notes);
    w.grant(FOLDER_INDEXER_ID, 'write-chats', 'new');
    service!.start();
    const r = await service!.request(FOLDER_INDEXER_ID, { kind: 'manual' });
    expect(r).toMatchObject({ status: RunStatus.Ok, message: 'indexed 2, unchanged 0, removed 0, failed 0 in 1 folder(s)' });
    expect(await liveFiles()).toEqual(['plan.md', 'sub/ideas.txt']);
    expect(service!.watching()).toEqual([{ plugin: FOLDER_INDEXER_ID, folder: notes }]);
    expect(service!.nextRun(FOLDER_INDEXER_ID)).toBeGreaterThan(Date.now());
    const log = w.log(FOLDER_INDEXER_ID);
    expect(log).toContain(`allowed read-folder ${notes}`);
    expect(log).toContain(`allowed read-folder ${join(notes, 'plan.md')}`);
    expect(log).toContain('allowed write-chats new');
  });

  it('is searchable by the agent once the agent may read chats', async () => {
    expect(await search('aardvark')).toMatch(/permission denied: read-chats on \*/);
    w.grant(AGENT_PLUGIN_ID, 'read-chats', '*');
    const found = await search('aardvark release');
    expect(found).toContain(`[file ${join(notes, 'plan.md')}]`);
    expect(found).toContain('Ship the aardvark release on Friday.');
    expect(w.log(AGENT_PLUGIN_ID)).toEqual(['denied read-chats *', 'allowed read-chats *']);
  });

  it('picks up a new file, a changed file and a removed file through the watcher', async () => {
    const runs = results.length;
    writeFileSync(join(notes, 'sub', 'new.md'), 'The capybara meeting moved to Monday.');
    await eventually(async () => results.length > runs && (await liveFiles()).includes('sub/new.md'), 20_000, 'a watch-triggered run to index the new file');
    expect(results.slice(runs).every((r) => r.status === RunStatus.Ok)).toBe(true);
    expect(await search('capybara')).toContain(`[file ${join(notes, 'sub', 'new.md')}]`);

    writeFileSync(join(notes, 'plan.md'), '# Plan\nShip the wombat release on Tuesday instead.');
    await eventually(async () => (await search('wombat')).includes('plan.md'), 20_000, 'the changed file to be re-indexed');
    expect(await search('aardvark')).toMatch(/^No matches/);

    rmSync(join(notes, 'sub', 'ideas.txt'));
    await eventually(async () => !(await liveFiles()).includes('sub/ideas.txt'), 20_000, 'the removed file to leave the index');
    expect(await search('pelican')).toMatch(/^No matches/);
    expect(await liveFiles()).toEqual(['plan.md', 'sub/new.md']);
  });

  it('stops watching when the folder grant is revoked', async () => {
    w.revoke(FOLDER_INDEXER_ID, 'read-folder', notes);
    expect(service!.watching()).toEqual([]);
    expect(w.state.host(FOLDER_INDEXER_ID).watches).toEqual([]);
    expect(await runner.run(FOLDER_INDEXER_ID)).toMatchObject({ status: RunStatus.Refused, message: 'not granted: read-folder' });
  });
});
