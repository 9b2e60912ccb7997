/**
 * Plugins and agent tools across real processes: the real relay, homes made
 * with the CLI, grants made on the user's device, plugin runs on a worker
 * home, and `tendril worker` answering a chat with a tool call. A plugin
 * without grants is refused and the refusal reaches the user's activity log;
 * grants let it run and its index reach the other device; the agent finds
 * the indexed file; a revocation on the user's device stops the next run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import type { ChatMessage } from '@tendril/crdt-schema/schema';
import { cli, cliOk, eventually, ROOT, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { makeWorkspace, useProvider, type Workspace } from './peers.ts';

const KEY = 'sk-test-plugins-e2e';

function startWorker(home: string): { child: ChildProcess; ready: Promise<void>; log: () => string } {
  const child = spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), 'worker', '--home', home, '--lease-ms', '1500'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('answering chats')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${out}`)));
  });
  return { child, ready, log: () => out };
}

describe('plugins and agent tools through the real relay', () => {
  const dir = tempDir('plugins-e2e');
  let relay: RelayProcess;
  let fake: FakeProvider;
  let ws: Workspace;
  let admin = '';
  let device = '';
  let workerHome = '';
  let notes = '';
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    relay = await startRelayProcess(join(dir.path, 'relay'));
    fake = await startFakeProvider({ apiKey: KEY, fallback: { text: ['(no scenario queued)'] } });
    ws = await makeWorkspace(dir.path, relay.url, 1);
    [admin, device] = [ws.homes[0]!, ws.homes[1]!];
    await useProvider(ws, { baseUrl: `${fake.url}/v1`, apiKey: KEY });
    const link = (await cliOk('invite', '--home', admin, '--role', 'worker')).last;
    workerHome = join(dir.path, 'worker');
    await cliOk('join', '--home', workerHome, link, '--name', 'plugin-worker');
    notes = join(dir.path, 'notes');
    mkdirSync(notes);
    notes = realpathSync(notes);
    writeFileSync(join(notes, 'greenhouse.md'), 'Water the orchid every Sunday; it sits by the east window.');
  }, 120_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await fake?.close();
    await relay?.kill();
    dir.remove();
  });

  const csv = async (home: string, plugin: string) => (await cliOk('plugin', 'log', '--home', home, '--plugin', plugin, '--csv')).out;

  it('refuses a plugin the user installed but granted nothing, and the refusal reaches the user', async () => {
    const installed = await cliOk('plugin', 'install', '--home', admin, 'builtin:folder-indexer');
    expect(installed.out).toContain('  read-folder *: Reads the text files, PDFs and DOCX documents of each folder you approve, to index them.');
    expect(installed.last).toBe('folder-indexer-builtin');

    const run = await cli('plugin', 'run', '--home', workerHome, 'folder-indexer');
    expect(run.code).toBe(1);
    expect(run.last).toBe('refused: no permission it asks for is granted');

    const rows = await csv(device, 'folder-indexer');
    expect(rows[0]).toBe('time,plugin,plugin_name,permission,resource,outcome,detail,device');
    expect(rows.slice(1).map((r) => r.split(',').slice(1, 7).join(','))).toEqual([
      'folder-indexer-builtin,Folder indexer,read-folder,*,denied,run refused: no permission granted',
      'folder-indexer-builtin,Folder indexer,write-chats,new,denied,run refused: no permission granted',
    ]);
  });

  it("runs on the worker once the user's device granted it, and the index reaches the other device", async () => {
    await cliOk('plugin', 'grant', '--home', admin, 'folder-indexer', 'read-folder', notes);
    await cliOk('plugin', 'grant', '--home', admin, 'folder-indexer', 'write-chats', 'new');
    const run = await cliOk('plugin', 'run', '--home', workerHome, 'folder-indexer');
    expect(run.last).toBe('ok: indexed 1, unchanged 0, removed 0, failed 0 in 1 folder(s)');

    const chats = JSON.parse((await cliOk('chat', 'list', '--home', device, '--json')).last) as { id: string; title: string }[];
    const index = chats.find((c) => c.title === `Folder index: ${notes}`);
    expect(index).toBeDefined();
    const transcript = JSON.parse((await cliOk('chat', 'show', '--home', device, index!.id, '--json')).last) as ChatMessage[];
    expect(transcript).toHaveLength(1);
    expect(transcript[0]!.content).toContain('file: greenhouse.md');
    expect(transcript[0]!.content).toContain('Water the orchid every Sunday');

    const rows = (await csv(device, 'folder-indexer')).slice(3).map((r) => r.split(',').slice(3, 6).join(','));
    expect(rows).toEqual([
      `read-folder,${notes},allowed`,
      `read-folder,${notes},allowed`,
      'write-chats,new,allowed',
      `read-folder,${join(notes, 'greenhouse.md')},allowed`,
      `write-chats,${index!.id},allowed`,
    ]);
  });

  it('lets the agent in `tendril worker` search the index with a tool call, gated by its grant', async () => {
    await cliOk('plugin', 'grant', '--home', admin, 'agent', 'read-chats', '*');
    fake.enqueue(
      { toolCalls: [{ id: 'call_search', name: 'search_workspace', arguments: '{"query":"orchid"}' }] },
      { text: ['The orchid note says: water it every Sunday.'] },
    );
    const worker = startWorker(workerHome);
    children.push(worker.child);
    await worker.ready;
    await cliOk('chat', 'send', '--home', admin, ws.chat, 'How often do I water the orchid?');
    const shown = await cliOk('chat', 'show', '--home', device, ws.chat, '--wait-for', 'every Sunday.', '--timeout', '30');
    // The reply may still be marked streaming when its text arrives (status comes in the next change).
    expect(shown.out.join('\n')).toContain('[assistant] The orchid note says: water it every Sunday.');

    const second = fake.requests.find((r) => JSON.stringify(r.body).includes('call_search') && JSON.stringify(r.body).includes('"role":"tool"'));
    expect(second).toBeDefined();
    const toolMessage = (second!.body as { messages: { role: string; content: string }[] }).messages.find((m) => m.role === 'tool')!;
    expect(toolMessage.content).toContain(`[file ${join(notes, 'greenhouse.md')}]`);

    await eventually(async () => (await csv(device, 'agent')).some((r) => r.includes(',read-chats,*,allowed,"search ""orchid"": read ')), 20_000, "the agent's search in the log");
    const exited = new Promise((r) => (worker.child.exitCode !== null ? r(null) : worker.child.once('exit', r)));
    worker.child.kill('SIGTERM');
    await exited;
    expect(worker.log()).toContain('tool search_workspace');
  }, 60_000);

  it("stops the worker's next run once the user's device revokes the grants", async () => {
    await cliOk('plugin', 'revoke', '--home', admin, 'folder-indexer', 'read-folder', notes);
    await cliOk('plugin', 'revoke', '--home', admin, 'folder-indexer', 'write-chats', 'new');
    const run = await cli('plugin', 'run', '--home', workerHome, 'folder-indexer');
    expect(run.code).toBe(1);
    expect(run.last).toBe('refused: no permission it asks for is granted');
    const rows = await csv(admin, 'folder-indexer');
    expect(rows.slice(-2).map((r) => r.split(',').slice(3, 6).join(','))).toEqual(['read-folder,*,denied', 'write-chats,new,denied']);
    const list = JSON.parse((await cliOk('plugin', 'list', '--home', device, '--json')).last) as { grants: { kind: string; revokedAt?: number }[] };
    expect(list.grants.filter((g) => g.kind !== 'read-chats').every((g) => g.revokedAt !== undefined)).toBe(true);
    // Every run asked for from the command line is in the run history the user's devices read, newest first.
    const runs = JSON.parse((await cliOk('plugin', 'runs', '--home', admin, '--plugin', 'folder-indexer', '--json')).last) as { trigger: string; outcome: string; message: string }[];
    expect(runs.filter((r) => r.trigger === 'manual').map((r) => `${r.outcome}: ${r.message}`)).toEqual([
      'refused: no permission it asks for is granted',
      'ok: indexed 1, unchanged 0, removed 0, failed 0 in 1 folder(s)',
      'refused: no permission it asks for is granted',
    ]);
    expect((await cliOk('plugin', 'runs', '--home', admin)).out.join('\n')).toMatch(/refused +Folder indexer {2}manual {2}no permission it asks for is granted/);
  });
});
