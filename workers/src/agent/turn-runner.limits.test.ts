/**
 * Spending limits in the runner a tab uses: a turn whose prompt alone would
 * pass the daily limit, or that comes after the day's or the month's limit is
 * used up, is refused before any model call, with the limit named and how to
 * raise it; spend from before today counts for the month only; with no limit
 * (or once it is raised) the same turn is answered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import type { ChatId, DeviceId } from '@tendril/crdt-schema/ids';
import { chatDoc, parseProviderId, settingsDoc } from '@tendril/crdt-schema/schema';
import type { DocSync } from '@tendril/crdt-schema/sync';
import { docsWithClients } from '@tendril/crdt-schema/testkit';
import type { LlmEvent, LlmProvider, LlmRequest } from '../llm/index.ts';
import { TurnRunner } from './turn-runner.ts';

const ME = 'M'.repeat(43) as DeviceId;
const CHAT = 'c'.repeat(22) as ChatId;
const OLD_CHAT = 'o'.repeat(22) as ChatId;
const MODEL = 'claude-opus-4'; // $15 per million input tokens: a long prompt costs a visible amount
const NOW = Date.UTC(2026, 11, 7, 12);
const DAY = 86_400_000;

const runners: TurnRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const fakeSync = { whenSynced: async () => {}, on() {}, off() {}, sendStream: () => false } as unknown as DocSync;

function setup(o: { countOld?: 'watched' | 'spendChats' | 'no' } = {}) {
  const [settingsYdoc, chatYdoc, oldYdoc] = docsWithClients(3) as [Y.Doc, Y.Doc, Y.Doc];
  const settings = settingsDoc(settingsYdoc);
  settings.upsertProvider({ id: parseProviderId('anthropic'), kind: 'anthropic', models: [MODEL] });
  settings.setDefaultModel({ provider: parseProviderId('anthropic'), model: MODEL });
  const requests: LlmRequest[] = [];
  const provider: LlmProvider = {
    id: 'fake',
    async *stream(req): AsyncIterable<LlmEvent> {
      requests.push(req);
      yield { type: 'text', text: 'answered' };
      yield { type: 'usage', inputTokens: 10, outputTokens: 2 };
      yield { type: 'done', finishReason: 'stop' };
    },
  };
  let clock = NOW;
  const chat = chatDoc(chatYdoc, { now: () => clock });
  chat.init({ chatId: CHAT });
  // Another chat holding what was spent before: a reply at `at` that cost `usd`.
  const old = chatDoc(oldYdoc, { now: () => clock });
  old.init({ chatId: OLD_CHAT });
  const spent = (at: number, usd: number): void => {
    clock = at;
    const q = old.addMessage({ author: ME, role: 'user', content: 'earlier' });
    const r = old.addMessage({ author: ME, role: 'assistant', status: 'done', model: MODEL, parent: q });
    old.setUsage(r, { inputTokens: 1000, outputTokens: 100, costUsd: usd });
    clock = NOW;
  };
  const r = new TurnRunner({
    me: ME, settleMs: 10, leaseMs: 3_000, workersKnown: () => false, graceMs: 0, now: () => clock,
    chooseProvider: () => ({ provider, model: MODEL }),
    settings: () => settings,
    ...(o.countOld === 'spendChats' ? { spendChats: async () => [{ id: OLD_CHAT, chat: old }, { id: CHAT, chat }] } : {}),
  });
  runners.push(r);
  // By default the runner watches the chat holding earlier spend; otherwise it is a chat this runner does not
  // work on (deleted, or not opened here), counted only through spendChats.
  if ((o.countOld ?? 'watched') === 'watched') r.watch({ id: OLD_CHAT, sync: fakeSync, chat: old });
  const ask = async (content: string) => {
    const turn = chat.addMessage({ author: ME, role: 'user', content });
    r.watch({ id: CHAT, sync: fakeSync, chat });
    await until(() => chat.message(turn)?.status === 'done' || chat.message(turn)?.status === 'error', 'the turn to end');
    return chat.repliesTo(turn)[0]!;
  };
  return { settings, requests, ask, spent, chat };
}

const LONG = 'Summarise this. '.repeat(250); // about 1,000 tokens: $0.015 at the input price alone

describe('spending limits in the runner', () => {
  it('refuses a turn whose prompt alone would pass the daily limit, naming it, and calls no model', async () => {
    const t = setup();
    t.settings.setSpendLimits({ dailyUsd: 0.01 });
    const reply = await t.ask(LONG);
    expect(reply.status).toBe('error');
    expect(reply.error).toMatch(/^this turn \(about \$0\.0\d+ for the prompt alone\) would pass the daily spending limit of \$0\.01: \$0 spent today \(UTC\); raise or remove it in Settings > Spending limits, or with `tendril limits --home DIR --daily USD\|off`$/);
    expect(t.requests).toHaveLength(0);
    // Raised: the same turn is answered.
    t.settings.setSpendLimits({ dailyUsd: 1 });
    const again = await t.ask(LONG);
    expect(again.status).toBe('done');
    expect(t.requests).toHaveLength(1);
  });

  it('refuses any turn once the day\'s limit is used up', async () => {
    const t = setup();
    t.spent(NOW - 3_600_000, 0.5);
    t.settings.setSpendLimits({ dailyUsd: 0.5 });
    const reply = await t.ask('hi');
    expect(reply.error).toContain('the daily spending limit of $0.50 is used up: $0.50 spent today (UTC)');
    expect(t.requests).toHaveLength(0);
  });

  it('counts spend from earlier days toward the month only', async () => {
    const t = setup();
    t.spent(NOW - 2 * DAY, 3);
    t.settings.setSpendLimits({ dailyUsd: 1, monthlyUsd: 3 });
    const reply = await t.ask('hi');
    expect(reply.error).toContain('the monthly spending limit of $3.00 is used up: $3.00 spent this month (UTC); raise or remove it in Settings > Spending limits, or with `tendril limits --home DIR --monthly USD|off`');
    t.settings.setSpendLimits({ monthlyUsd: null });
    expect((await t.ask('hi')).status).toBe('done');
  });

  it('counts last month toward neither limit, and answers with no limit set', async () => {
    const t = setup();
    t.spent(Date.UTC(2026, 10, 30, 23), 100);
    t.settings.setSpendLimits({ dailyUsd: 1, monthlyUsd: 1 });
    expect((await t.ask('hi')).status).toBe('done');
    const u = setup();
    u.spent(NOW - 60_000, 100);
    expect((await u.ask(LONG)).status).toBe('done');
  });

  it('counts with the user\'s price for the model', async () => {
    const t = setup();
    t.spent(NOW - 60_000, 0.001); // 1,000 tokens in, 100 out, recorded at $0.001
    t.settings.setSpendLimits({ dailyUsd: 0.05 });
    t.settings.prices.set({ model: MODEL, input: 100, output: 0 }); // now those 1,000 tokens cost $0.10
    const reply = await t.ask('hi');
    expect(reply.error).toContain('the daily spending limit of $0.05 is used up: $0.10 spent today (UTC)');
  });

  it('counts the spend of chats it does not work on (deleted, not opened here) through spendChats', async () => {
    const t = setup({ countOld: 'spendChats' });
    t.spent(NOW - 3_600_000, 0.5);
    t.settings.setSpendLimits({ dailyUsd: 0.5 });
    expect((await t.ask('hi')).error).toContain('the daily spending limit of $0.50 is used up: $0.50 spent today (UTC)');
    expect(t.requests).toHaveLength(0);
    // Without it, a chat the runner does not watch went uncounted: the turn was answered.
    const u = setup({ countOld: 'no' });
    u.spent(NOW - 3_600_000, 0.5);
    u.settings.setSpendLimits({ dailyUsd: 0.5 });
    expect((await u.ask('hi')).status).toBe('done');
  });
});
