/**
 * Agents' memory across real processes: a worker answers as an agent that
 * stores a fact in one chat (memory_set) and recalls it in another chat by
 * meaning (memory_search with other words; the fake provider's embeddings
 * put "preferred hue" near "favourite colour"); a second agent with its own
 * memory grant finds nothing of it; `tendril agent memory` reads, edits and
 * clears the memory. Neither the relay's data directory nor the worker's
 * home holds the value, its embedding or a chat passage's embedding in clear.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeEmbedding, scenarioMarker, startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { cli, cliOk, eventually, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { makeWorkspace, useProvider, type Workspace } from './peers.ts';
import { startTendril, type TendrilProcess } from './processes.ts';

const CANARY = 'memcanary4821';
const VALUE = `teal ${CANARY}`;
const KEY = 'favourite colour';
/** Every turn's text: a chat passage the worker embeds when Keeper recalls. */
const PASSAGE = `passage ${CANARY} about sailing boats and harbours`;

/** A worker process on `home`, ready once it answers chats. */
const startWorker = (home: string): TendrilProcess => startTendril(['worker', '--home', home, '--lease-ms', '1500', '--no-plugins'], 'answering chats');

type Body = { model?: string; messages?: { role: string; content: string | null }[] };

describe('agent memory across chats', () => {
  const dir = tempDir('memory');
  let relay: RelayProcess;
  let fake: FakeProvider;
  let ws: Workspace;
  let home: string;
  let worker: ReturnType<typeof startWorker> | undefined;

  beforeAll(async () => {
    relay = await startRelayProcess(join(dir.path, 'relay'));
    fake = await startFakeProvider({
      apiKey: 'sk-test-memory',
      scenarios: {
        remember: [{ toolCalls: [{ name: 'memory_set', arguments: JSON.stringify({ key: KEY, value: VALUE }) }] }, { text: ['Noted.'] }],
        recall: [{ toolCalls: [{ name: 'memory_search', arguments: JSON.stringify({ query: 'preferred hue' }) }] }, { text: ['Teal.'] }],
        snoop: [{ toolCalls: [{ name: 'memory_search', arguments: JSON.stringify({ query: `${KEY} ${CANARY}` }) }] }, { text: ['Nothing.'] }],
      },
      fallback: { text: ['ok'] },
    });
    ws = await makeWorkspace(dir.path, relay.url, 0);
    home = ws.homes[0]!;
    await useProvider(ws, { baseUrl: `${fake.url}/v1`, apiKey: 'sk-test-memory' });
  }, 120_000);

  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await fake?.close();
    await relay?.kill();
    dir.remove();
  });

  async function ask(agent: string, scenario: string, wait: string): Promise<string> {
    const chat = (await cliOk('chat', 'new', '--home', home, '--title', `${agent} ${scenario}`, '--agent', agent)).last;
    await cliOk('chat', 'send', '--home', home, chat, `${scenarioMarker(scenario)} ${PASSAGE}`);
    await cliOk('chat', 'show', '--home', home, chat, '--wait-for', wait, '--timeout', '30');
    const asked = fake.requests.filter((q) => JSON.stringify((q.body as Body).messages ?? []).includes(scenarioMarker(scenario)));
    return asked.at(-1)!.body ? ((asked.at(-1)!.body as Body).messages ?? []).filter((m) => m.role === 'tool').map((m) => m.content ?? '').join('\n') : '';
  }

  it('stores a fact in one chat and recalls it by meaning in another, for its own agent only', async () => {
    expect((await cliOk('agent', 'memory', '--home', home, '--embedding-model', 'fake/text-embedding-3-small')).out[0]).toBe('embedding model: fake/text-embedding-3-small');
    await cliOk('agent', 'add', '--home', home, '--name', 'Keeper', '--tools', 'memory');
    await cliOk('agent', 'add', '--home', home, '--name', 'Other', '--tools', 'memory');
    for (const a of ['Keeper', 'Other']) await cliOk('plugin', 'grant', '--home', home, a, 'memory', '*');
    // Keeper also recalls from chats: their passages are embedded by the worker (and kept sealed in its home).
    await cliOk('plugin', 'grant', '--home', home, 'Keeper', 'read-chats', '*');
    const bad = await cli('plugin', 'grant', '--home', home, 'Keeper', 'memory', 'Other');
    expect(bad.err.join('\n')).toMatch(/a memory grant is \* \(an agent reaches only its own memory\)/);

    const link = (await cliOk('invite', '--home', home, '--role', 'worker')).last;
    await cliOk('join', '--home', join(dir.path, 'w1'), link, '--name', 'w1');
    worker = startWorker(join(dir.path, 'w1'));
    await worker.ready;

    expect(await ask('Keeper', 'remember', 'Noted.')).toBe(`remembered "${KEY}"`);
    const recalled = await ask('Keeper', 'recall', 'Teal.');
    expect(recalled).toMatch(/^Searched your memory and \d+ chats by meaning and words \(semantic and keyword search\) for "preferred hue":\n1\. \[memory\] favourite colour: teal memcanary4821$/);
    const snooped = await ask('Other', 'snoop', 'Nothing.');
    expect(snooped).toMatch(/^Searched your memory and 0 chats by meaning and words .*\nnothing found\.$/);
    // Each embedding request went to the user's provider, the one the settings name.
    expect(fake.requests.some((q) => q.path === '/v1/embeddings' && (q.body as Body).model === 'text-embedding-3-small')).toBe(true);
  });

  it('reads, edits and clears an agent\'s memory from the command line', async () => {
    type Listed = { entries: { key: string; value: string; embedding: string | null }[] };
    let listed: Listed = { entries: [] };
    await eventually(async () => {
      listed = JSON.parse((await cliOk('agent', 'memory', '--home', home, 'Keeper', '--json')).last) as Listed;
      return listed.entries.length === 1;
    }, 20_000, 'the stored fact');
    expect(listed.entries).toEqual([{ key: KEY, value: VALUE, updatedAt: expect.any(Number), updatedBy: expect.any(String), embedding: 'fake/text-embedding-3-small' }]);
    expect((await cliOk('agent', 'memory', '--home', home, 'Other')).out).toEqual(["Other's memory: 0 entries"]);

    await cliOk('agent', 'memory', '--home', home, 'Keeper', '--set', 'city', '--value', 'Lisbon');
    const shown = await cliOk('agent', 'memory', '--home', home, 'Keeper');
    expect(shown.out).toEqual(["Keeper's memory: 2 entries", 'city: Lisbon', `${KEY}: ${VALUE}`]);
    const missing = await cli('agent', 'memory', '--home', home, 'Keeper', '--delete', 'nope');
    expect(missing.err.join('\n')).toMatch(/Keeper's memory holds nothing under "nope"/);
    await cliOk('agent', 'memory', '--home', home, 'Keeper', '--delete', 'city');
    expect((await cliOk('agent', 'memory', '--home', home, 'Keeper')).out).toHaveLength(2);
    // The fact stays for the relay scan below.
  });

  it('keeps memory values and embeddings off the relay and out of the worker home in clear', async () => {
    // A stored vector: Float32 bytes from its first non-zero component (a bag-of-words vector is
    // mostly zeros), and that component as JSON would write it.
    const vectorNeedles = (text: string): Buffer[] => {
      const components = fakeEmbedding(text);
      const first = components.findIndex((x) => x !== 0);
      const bytes = Buffer.from(Float32Array.from(components).buffer).subarray(first * 4, first * 4 + 16);
      expect(bytes.subarray(0, 4).equals(Buffer.alloc(4))).toBe(false);
      return [bytes, Buffer.from(String(components[first]).slice(0, 12))];
    };
    const needles = [
      Buffer.from(CANARY), Buffer.from(Buffer.from(VALUE).toString('base64')), Buffer.from(Buffer.from(CANARY).toString('hex')),
      ...vectorNeedles(`${KEY}: ${VALUE}`),
    ];
    const scan = (folder: string, extra: Buffer[] = []): number => {
      const files = readdirSync(folder, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
      for (const f of files) {
        const bytes = readFileSync(join(f.parentPath, f.name));
        for (const n of [...needles, ...extra]) expect(bytes.includes(n), `${f.name} holds ${n.toString('hex').slice(0, 32)}`).toBe(false);
      }
      return files.length;
    };
    expect(scan(join(dir.path, 'relay'))).toBeGreaterThan(0);
    // The worker embedded the chat passages for Keeper's recall and keeps them, sealed, in its home.
    const passage = fake.requests.find((q) => q.path === '/v1/embeddings' && JSON.stringify(q.body).includes(PASSAGE));
    expect(passage).toBeDefined();
    const passageText = ((passage!.body as { input: string[] }).input).find((t) => t.includes(PASSAGE))!;
    expect(scan(join(dir.path, 'w1'), vectorNeedles(passageText))).toBeGreaterThan(0);
    expect((await cliOk('agent', 'memory', '--home', home, 'Keeper', '--clear')).out[0]).toBe("cleared Keeper's memory (1 entries)");
  });
});
