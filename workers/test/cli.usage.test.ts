/**
 * `tendril usage`: a worker answers turns in two chats through the fake
 * provider (which reports tokens), and the totals the command prints equal
 * the sum of the usage recorded on the replies (`tendril chat show --json`),
 * by model and provider too; a price set in Settings replaces the shipped one;
 * a bad period is refused with the reason. With a spending limit set by
 * `tendril limits`, the worker refuses a turn past it, naming the limit.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import type { UsageReport } from '../src/usage/index.ts';
import { cli, cliOk, eventually, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { makeWorkspace, useProvider, type Workspace } from './peers.ts';
import { startTendril, type TendrilProcess } from './processes.ts';

/** A worker process on `home`, ready once it answers chats. */
const startWorker = (home: string): TendrilProcess => startTendril(['worker', '--home', home, '--lease-ms', '1500', '--no-plugins'], 'answering chats');

interface Shown { role: string; status: string; usage?: { inputTokens: number; outputTokens: number; costUsd: number } }

describe('tendril usage', () => {
  const dir = tempDir('usage');
  let relay: RelayProcess;
  let fake: FakeProvider;
  let ws: Workspace;
  let home: string;
  let worker: ReturnType<typeof startWorker> | undefined;
  const chats: string[] = [];

  beforeAll(async () => {
    relay = await startRelayProcess(join(dir.path, 'relay'));
    fake = await startFakeProvider({
      apiKey: 'sk-test-usage',
      models: {
        'gpt-4o-mini': [
          { text: ['One.'], usage: { inputTokens: 1200, outputTokens: 30 } },
          { text: ['Two.'], usage: { inputTokens: 2500, outputTokens: 70 } },
          { text: ['Three.'], usage: { inputTokens: 4100, outputTokens: 110 } },
        ],
      },
    });
    ws = await makeWorkspace(dir.path, relay.url, 0);
    home = ws.homes[0]!;
    await useProvider(ws, { baseUrl: `${fake.url}/v1`, apiKey: 'sk-test-usage', model: 'gpt-4o-mini' });
    const link = (await cliOk('invite', '--home', home, '--role', 'worker')).last;
    await cliOk('join', '--home', join(dir.path, 'w1'), link, '--name', 'w1');
    worker = startWorker(join(dir.path, 'w1'));
    await worker.ready;
  }, 120_000);

  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await fake?.close();
    await relay?.kill();
    dir.remove();
  });

  const replies = async (chat: string): Promise<Shown[]> =>
    (JSON.parse((await cliOk('chat', 'show', '--home', home, chat, '--json')).last) as Shown[]).filter((m) => m.role === 'assistant');

  it('prints totals equal to the sum of the replies\' recorded usage', async () => {
    for (const title of ['First', 'Second']) chats.push((await cliOk('chat', 'new', '--home', home, '--title', title)).last);
    await cliOk('chat', 'send', '--home', home, chats[0]!, 'one');
    await eventually(async () => (await replies(chats[0]!)).some((m) => m.status === 'done' && m.usage), 30_000, 'the first reply');
    await cliOk('chat', 'send', '--home', home, chats[1]!, 'two');
    await eventually(async () => (await replies(chats[1]!)).some((m) => m.status === 'done' && m.usage), 30_000, 'the second reply');
    await cliOk('chat', 'send', '--home', home, chats[1]!, 'three');
    await eventually(async () => (await replies(chats[1]!)).filter((m) => m.status === 'done' && m.usage).length === 2, 30_000, 'the third reply');

    const recorded = [...(await replies(chats[0]!)), ...(await replies(chats[1]!))].flatMap((m) => (m.usage ? [m.usage] : []));
    expect(recorded).toHaveLength(3);
    const input = recorded.reduce((n, u) => n + u.inputTokens, 0);
    const output = recorded.reduce((n, u) => n + u.outputTokens, 0);
    const cost = recorded.reduce((n, u) => n + u.costUsd, 0);
    expect(input).toBe(1200 + 2500 + 4100);
    expect(cost).toBeGreaterThan(0);

    const report = JSON.parse((await cliOk('usage', '--home', home, '--since', '30d', '--json')).last) as UsageReport;
    expect(report.total.calls).toBe(3);
    expect(report.total.inputTokens).toBe(input);
    expect(report.total.outputTokens).toBe(output);
    expect(report.total.costUsd).toBeCloseTo(cost, 12);
    expect(report.byModel).toEqual([{ key: 'gpt-4o-mini', ...report.total }]);
    expect(report.byProvider).toEqual([{ key: 'fake', ...report.total }]);
    expect(report.byDay.reduce((n, d) => n + d.inputTokens, 0)).toBe(input);

    const text = await cliOk('usage', '--home', home);
    expect(text.out[0]).toMatch(new RegExp(`^usage since \\d{4}-\\d\\d-\\d\\d \\(30d\\): 3 calls, ${input} in, ${output} out, \\$`));
    expect(text.out).toContain('by model');
    expect(text.out.some((l) => l.startsWith('  gpt-4o-mini  3 calls'))).toBe(true);
  }, 120_000);

  it('counts a model at the price set in Settings', async () => {
    const s = await ws.open(0);
    const { settings } = await s.openSettings();
    settings.prices.set({ model: 'gpt-4o-mini', input: 1000, output: 0 });
    expect(await s.syncOrQueue(10_000)).toBe('synced');
    await s.close();
    const report = JSON.parse((await cliOk('usage', '--home', home, '--json')).last) as UsageReport;
    expect(report.total.costUsd).toBeCloseTo((1200 + 2500 + 4100) * 1000 / 1_000_000, 9);
  }, 60_000);

  it('has the worker refuse a turn past a spending limit, naming the limit and how to raise it', async () => {
    // Spent so far at the price set above: (1200 + 2500 + 4100) tokens in at $1000 per million = $7.80.
    const set = await cliOk('limits', '--home', home, '--daily', '5');
    expect(set.out).toEqual(['saved to relay', 'daily limit: $5.00 ($7.80 spent today, UTC)', 'monthly limit: none']);
    const before = fake.requests.length;
    await cliOk('chat', 'send', '--home', home, chats[0]!, 'one more?');
    await eventually(async () => (await replies(chats[0]!)).some((m) => m.status === 'error'), 30_000, 'the refusal');
    const refused = JSON.parse((await cliOk('chat', 'show', '--home', home, chats[0]!, '--json')).last) as (Shown & { error?: string })[];
    expect(refused.at(-1)!.error).toBe('the daily spending limit of $5.00 is used up: $7.80 spent today (UTC); raise or remove it in Settings > Spending limits, or with `tendril limits --home DIR --daily USD|off`');

    // A limit not reached yet, but the next prompt alone (about 254 tokens at $1000 per million) would pass it.
    expect((await cliOk('limits', '--home', home, '--daily', 'off', '--monthly', '7.9')).out.slice(1)).toEqual(['daily limit: none', 'monthly limit: $7.90 ($7.80 spent this month, UTC)']);
    await cliOk('chat', 'send', '--home', home, chats[1]!, 'x'.repeat(1000));
    await eventually(async () => (await replies(chats[1]!)).some((m) => m.status === 'error'), 30_000, 'the second refusal');
    const second = JSON.parse((await cliOk('chat', 'show', '--home', home, chats[1]!, '--json')).last) as (Shown & { error?: string })[];
    expect(second.at(-1)!.error).toMatch(/^this turn \(about \$0\.\d+ for the prompt alone\) would pass the monthly spending limit of \$7\.90: \$7\.80 spent this month \(UTC\); raise or remove it/);
    expect(fake.requests.length).toBe(before);
    const bad = await cli('limits', '--home', home, '--daily', 'lots');
    expect(bad.err.join('\n')).toContain('--daily is an amount in USD (like 5 or 0.50) or off (got lots)');
  }, 120_000);

  it('refuses a period it cannot read, saying what it takes', async () => {
    const bad = await cli('usage', '--home', home, '--since', 'yesterday');
    expect(bad.code).not.toBe(0);
    expect(bad.err.join('\n')).toContain('--since is a period like 30d, 12h or 2w (got yesterday)');
  });
});
