import { describe, expect, it } from 'vitest';
import type { AgentId, ChatId, DeviceId, MessageId } from '@tendril/crdt-schema/ids';
import { chatDoc, type ProviderId } from '@tendril/crdt-schema/schema';
import { docWithClient, createPrng } from '@tendril/crdt-schema/testkit';
import { chatUsage, costWith, parsePeriod, providerOf, usageReport, type UsageSum } from './index.ts';

const ME = 'A'.repeat(43) as DeviceId;
const BOT = 'B'.repeat(43) as DeviceId;
const CHAT = 'CCCCCCCCCCCCCCCCCCCCCC' as ChatId;
const DAY = 86_400_000;
const MODELS = ['gpt-4o-mini', 'claude-3-5-haiku-20241022', 'gemini-2.5-flash', 'llama3.2'];
const AGENTS = ['Coder', 'Writer'];
const agentId = (name: string): AgentId => name.padEnd(22, '_') as AgentId;

/** A chat with random replies over 40 days (some routed, some with hops), and what they recorded, counted by hand. */
function randomChat(seed: number) {
  const prng = createPrng(seed);
  let t = Date.UTC(2026, 0, 1);
  const chat = chatDoc(docWithClient(1), { now: () => t });
  const written: { at: number; model: string; agent: string; inputTokens: number; outputTokens: number; costUsd: number }[] = [];
  const usage = () => ({ inputTokens: prng.int(0, 5000), outputTokens: prng.int(0, 5000), costUsd: prng.int(0, 1000) / 10_000 });
  for (let i = 0; i < 60; i++) {
    t += prng.int(0, 16 * 3_600_000);
    const q = chat.addMessage({ author: ME, role: 'user', content: `q${i}` });
    const model = MODELS[prng.int(0, MODELS.length - 1)]!;
    const agent = AGENTS[prng.int(0, 1)]!;
    const r = chat.addMessage({ author: BOT, role: 'assistant', status: 'done', model, parent: q });
    chat.setAgent(r, { id: agentId(agent), name: agent });
    if (prng.int(0, 3) === 0) continue; // a reply without usage (stopped before the end)
    const u = usage();
    chat.setUsage(r, u);
    written.push({ at: t, model, agent, ...u });
    if (prng.int(0, 2) === 0) {
      const ru = usage();
      chat.setRoute(r, { agent: agentId(agent), name: agent, via: 'router', reason: 'fits', model: 'gpt-4o-mini', usage: ru });
      written.push({ at: t, model: 'gpt-4o-mini', agent: '(router)', ...ru });
    }
    if (prng.int(0, 2) === 0) {
      const hu = usage();
      chat.addHop(r, { agent: agentId('Writer'), name: 'Writer', from: agent, depth: 1, task: 't', status: 'done', result: 'ok', model: 'gemini-2.5-flash', usage: hu });
      written.push({ at: t, model: 'gemini-2.5-flash', agent: 'Writer', ...hu });
    }
  }
  const messages = chat.messageIds().map((id: MessageId) => chat.message(id)!);
  return { records: chatUsage(CHAT, messages), written, end: t };
}

const sum = (xs: readonly { inputTokens: number; outputTokens: number; costUsd: number }[]): UsageSum =>
  xs.reduce<UsageSum>((s, x) => ({ calls: s.calls + 1, inputTokens: s.inputTokens + x.inputTokens, outputTokens: s.outputTokens + x.outputTokens, costUsd: s.costUsd + x.costUsd }), { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 });

describe('usage totals', () => {
  for (const seed of [1, 2, 3]) {
    it(`equal the sum of the recorded replies, routes and hops in the period (seed ${seed})`, () => {
      const { records, written, end } = randomChat(seed);
      const since = end - 10 * DAY;
      const report = usageReport(records, { since, until: end + 1, providerOf: providerOf([]) });
      const expected = sum(written.filter((w) => w.at >= since));
      expect(report.total.calls).toBe(expected.calls);
      expect(report.total.inputTokens).toBe(expected.inputTokens);
      expect(report.total.outputTokens).toBe(expected.outputTokens);
      expect(report.total.costUsd).toBeCloseTo(expected.costUsd, 9);
      for (const rows of [report.byDay, report.byProvider, report.byModel, report.byAgent]) {
        const s = sum(rows.map((r) => r));
        expect(rows.reduce((n, r) => n + r.calls, 0)).toBe(expected.calls);
        expect(s.inputTokens).toBe(expected.inputTokens);
        expect(s.costUsd).toBeCloseTo(expected.costUsd, 9);
      }
      for (const a of report.byAgent) expect(a.calls).toBe(written.filter((w) => w.at >= since && w.agent === a.key).length);
      for (const d of report.byDay) expect(d.inputTokens).toBe(sum(written.filter((w) => w.at >= since && new Date(w.at).toISOString().startsWith(d.key))).inputTokens);
    });
  }

  it('groups models by the workspace provider that lists them, else by family', () => {
    const of = providerOf([{ id: 'work-llm' as ProviderId, kind: 'openai', models: ['llama3.2'], enabled: true, hasApiKey: false }]);
    expect(of('llama3.2')).toBe('work-llm');
    expect(of('claude-3-5-haiku-20241022')).toBe('anthropic');
    expect(of('openai/gpt-4o')).toBe('openai');
    expect(of('mystery')).toBe('other');
  });

  it('prices a model the user set a price for from its tokens, and the others at their recorded cost', () => {
    const cost = costWith([{ model: 'gpt-4o', input: 1, output: 2 }]);
    expect(cost({ model: 'gpt-4o-2024-08-06', inputTokens: 1_000_000, outputTokens: 500_000, costUsd: 7 })).toBe(2);
    expect(cost({ model: 'claude-3-5-haiku', inputTokens: 1_000_000, outputTokens: 500_000, costUsd: 7 })).toBe(7);
    const { records, end } = randomChat(4);
    const all = { since: 0, until: end + 1, providerOf: providerOf([]) };
    const plain = usageReport(records, all);
    const cheaper = usageReport(records, { ...all, prices: [{ model: 'gpt-4o-mini', input: 0, output: 0 }] });
    const mini = plain.byModel.find((r) => r.key === 'gpt-4o-mini')!;
    expect(cheaper.total.costUsd).toBeCloseTo(plain.total.costUsd - mini.costUsd, 9);
  });

  it('reads periods in hours, days and weeks, and nothing else', () => {
    expect(parsePeriod('30d')).toBe(30 * DAY);
    expect(parsePeriod('12h')).toBe(12 * 3_600_000);
    expect(parsePeriod('2w')).toBe(14 * DAY);
    for (const bad of ['', '0d', '30', 'd', '-1d', '1.5d', '30 days']) expect(parsePeriod(bad)).toBeUndefined();
  });
});
