/**
 * The folder indexer reads PDF and DOCX documents as well as text files: a
 * word that appears only inside a PDF and one only inside a DOCX are found by
 * the agent's workspace search (and its memory recall), each at its document's path, and a document
 * outside the granted folder is refused and logged.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AGENT_PLUGIN_ID, FOLDER_INDEXER_ID } from '../src/plugins/builtin.ts';
import { loadManifest } from '../src/plugins/plugin-entry.ts';
import { DEFAULT_FILE_WORK, RunStatus } from '../src/plugins/plugin-runner.ts';
import { RunSlots } from '../src/plugins/run-slots.ts';
import * as Y from 'yjs';
import { newAgentId, type PluginId } from '@tendril/crdt-schema/ids';
import { memoryDoc } from '@tendril/crdt-schema/schema';
import { agentToolbox, grantedAgentTools } from '../src/tools/agent-tools.ts';
import { minimalDocx, minimalPdf } from './document-fixtures.ts';
import { ROOT } from './harness.ts';
import { pluginWorld, USER, WORKER } from './plugins.fixtures.ts';

describe('folder indexer on documents', () => {
  const w = pluginWorld('documents');
  const docs = join(w.dir.path, 'docs');
  afterAll(() => w.dir.remove());

  it('feeds the text of PDFs and DOCX files to workspace search', async () => {
    mkdirSync(join(docs, 'reports'), { recursive: true });
    writeFileSync(join(docs, 'reports', 'q3.pdf'), minimalPdf(['Third quarter', 'Budget for the quokka enclosure']));
    writeFileSync(join(docs, 'memo.docx'), await minimalDocx(['Memo to the zoo', 'The narwhal tank needs cleaning']));
    writeFileSync(join(docs, 'plain.md'), 'Nothing about either animal.');
    writeFileSync(join(docs, 'fake.pdf'), 'not really a pdf');
    w.permissions.plugins.install(loadManifest('builtin:folder-indexer', ROOT), USER);
    w.grant(FOLDER_INDEXER_ID, 'read-folder', docs);
    w.grant(FOLDER_INDEXER_ID, 'write-chats', 'new');
    w.grant(AGENT_PLUGIN_ID, 'read-chats', '*');
    const logs: string[] = [];
    const r = await w.runner({ log: (l) => logs.push(l) }).run(FOLDER_INDEXER_ID);
    expect(r).toMatchObject({ status: RunStatus.Ok, message: 'indexed 3, unchanged 0, removed 0, failed 1 in 1 folder(s)' });
    expect(logs.join('\n')).toMatch(/cannot index .*fake\.pdf: the file is not a PDF document/);
    // The unreadable one is not tried again until it changes.
    expect(await w.runner().run(FOLDER_INDEXER_ID)).toMatchObject({ status: RunStatus.Ok, message: 'indexed 0, unchanged 4, removed 0, failed 0 in 1 folder(s)' });

    const tools = agentToolbox({ permissions: w.permissions, device: WORKER, chats: w.chats });
    const search = (query: string) => tools.execute({ id: 'q', name: 'search_workspace', arguments: JSON.stringify({ query }) }, new AbortController().signal);
    const quokka = await search('quokka');
    expect(quokka).toMatch(/^1 matches/);
    expect(quokka).toContain(`[file ${join(docs, 'reports', 'q3.pdf')}]`);
    expect(quokka).toContain('Budget for the quokka enclosure');
    const narwhal = await search('narwhal');
    expect(narwhal).toMatch(/^1 matches/);
    expect(narwhal).toContain(`[file ${join(docs, 'memo.docx')}]`);
    expect(narwhal).toContain('The narwhal tank needs cleaning');
    // Memory recall reads the same index (by words here: no embedding model configured).
    const agent = { id: newAgentId(), tools: ['memory'] as 'memory'[] };
    w.grant(agent.id as string as PluginId, 'memory', '*');
    w.grant(agent.id as string as PluginId, 'read-chats', '*');
    const recall = grantedAgentTools({ permissions: w.permissions, device: WORKER, chats: w.chats, memory: { open: async () => memoryDoc(new Y.Doc()), embedder: () => undefined } })(agent)!;
    const recalled = await recall.execute({ id: 'm', name: 'memory_search', arguments: JSON.stringify({ query: 'quokka enclosure' }) }, new AbortController().signal);
    expect(recalled).toContain(join(docs, 'reports', 'q3.pdf'));
    const log = w.log(FOLDER_INDEXER_ID);
    expect(log).toContain(`allowed read-folder ${join(docs, 'reports', 'q3.pdf')}`);
    expect(log).toContain(`allowed read-folder ${join(docs, 'memo.docx')}`);
  });

  it('reads no document outside the granted folder', async () => {
    const outside = join(w.dir.path, 'outside.pdf');
    writeFileSync(outside, minimalPdf(['secret wombat']));
    const id = w.install(`export default async function run(api) {
  try { return (await api.readDocument(${JSON.stringify(outside)})).text; } catch (e) { return e.code; }
}`);
    w.grant(id, 'read-folder', docs);
    expect(await w.runner().run(id)).toMatchObject({ status: RunStatus.Ok, message: 'denied' });
    expect(w.log(id)).toEqual([`denied read-folder ${outside}`]);
  });

  it('extracts documents asked for all at once a bounded number at a time', async () => {
    const many = join(w.dir.path, 'many');
    mkdirSync(many, { recursive: true });
    for (let i = 0; i < 6; i++) writeFileSync(join(many, `p${i}.pdf`), minimalPdf([`page of file ${i}`]));
    /** Real slots that remember how many were held at once. */
    class CountingSlots extends RunSlots {
      most = 0;
      override async acquire(): Promise<() => void> {
        const release = await super.acquire();
        this.most = Math.max(this.most, this.active);
        return release;
      }
    }
    const slots = new CountingSlots(DEFAULT_FILE_WORK);
    const id = w.install(`export default async function run(api) {
  const [folder] = await api.grants('read-folder');
  const files = await api.listFiles(folder);
  const texts = await Promise.all(files.map((f) => api.readDocument(f.path)));
  return texts.map((t) => t.text).join(', ');
}`);
    w.grant(id, 'read-folder', many);
    const r = await w.runner({ fileWorkSlots: slots }).run(id);
    expect(r).toMatchObject({ status: RunStatus.Ok, message: [0, 1, 2, 3, 4, 5].map((i) => `page of file ${i}`).join(', ') });
    expect(slots.most).toBe(DEFAULT_FILE_WORK);
    expect(slots.active).toBe(0);
  });
});

