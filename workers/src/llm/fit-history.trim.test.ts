/** Fitting history into a context window: keep the system prompt and the newest whole turns, summarise the rest through the hook, fail when even the newest turn cannot fit. */
import { describe, expect, it } from 'vitest';
import { fitHistory, SUMMARY_PREFIX } from './fit-history.ts';
import type { ChatMessage } from './types.ts';

/** One token per character keeps the arithmetic readable. */
const countTokens = (m: ChatMessage): number => m.content.length;

const history: ChatMessage[] = [
  { role: 'system', content: 'S'.repeat(10) },
  { role: 'user', content: 'u1'.padEnd(60, '.') },
  { role: 'assistant', content: 'a1'.padEnd(20, '.') },
  { role: 'user', content: 'u2'.padEnd(20, '.') },
  { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'read', arguments: '{}' }] },
  { role: 'tool', toolCallId: 'c', content: 't2'.padEnd(20, '.') },
  { role: 'assistant', content: 'a2'.padEnd(10, '.') },
  { role: 'user', content: 'u3'.padEnd(20, '.') },
];

describe('fitHistory', () => {
  it('keeps everything that fits', async () => {
    const r = await fitHistory(history, { model: 'x', window: 1000, reserveForOutput: 100, countTokens });
    expect(r).toEqual({ messages: history, dropped: 0, summary: undefined });
  });

  it('keeps the system prompt and the newest whole turns, never splitting a tool call from its result', async () => {
    const r = await fitHistory(history, { model: 'x', window: 100, reserveForOutput: 15, countTokens });
    expect(r.messages.map((m) => m.content.slice(0, 2))).toEqual(['SS', 'u2', '', 't2', 'a2', 'u3']);
    expect(r.dropped).toBe(2);
  });

  it('drops more when the window is smaller, down to the newest turn', async () => {
    const r = await fitHistory(history, { model: 'x', window: 40, reserveForOutput: 5, countTokens });
    expect(r.messages.map((m) => m.content.slice(0, 2))).toEqual(['SS', 'u3']);
  });

  it('summarises the dropped turns into a system note after the system prompt', async () => {
    const seen: ChatMessage[][] = [];
    const r = await fitHistory(history, {
      model: 'x', window: 140, reserveForOutput: 0, countTokens, summaryTokens: 60,
      summarize: async (dropped) => {
        seen.push([...dropped]);
        return 'earlier: u1 and a1';
      },
    });
    expect(seen).toEqual([history.slice(1, 3)]);
    expect(r.messages[1]).toEqual({ role: 'system', content: `${SUMMARY_PREFIX}earlier: u1 and a1` });
    expect(r.messages.slice(2)).toEqual(history.slice(3));
    expect(r.summary).toBe('earlier: u1 and a1');
  });

  it('cuts a summary that overruns its budget, and hands the hook that budget', async () => {
    const budgets: number[] = [];
    const r = await fitHistory(history, {
      model: 'x', window: 140, reserveForOutput: 0, countTokens, summaryTokens: 60,
      summarize: async (_dropped, maxTokens) => {
        budgets.push(maxTokens);
        return 'y'.repeat(500);
      },
    });
    expect(budgets).toEqual([60]);
    expect(countTokens(r.messages[1]!)).toBeLessThanOrEqual(60);
    expect(r.messages.slice(2)).toEqual(history.slice(3));
  });

  it('fails with E_CONTEXT_TOO_LARGE when the newest turn alone does not fit', async () => {
    await expect(fitHistory(history, { model: 'x', window: 25, reserveForOutput: 0, countTokens })).rejects.toMatchObject({
      code: 'E_CONTEXT_TOO_LARGE',
      message: expect.stringMatching(/larger than the model's context window: about \d+ tokens estimated, the context window of x is 25 tokens/),
    });
  });

  it('uses the model table and a token estimate by default', async () => {
    const long: ChatMessage[] = [{ role: 'user', content: 'x'.repeat(40_000) }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'next' }];
    const r = await fitHistory(long, { model: 'unknown-local-model' });
    expect(r.messages).toEqual(long.slice(2));
    expect((await fitHistory(long, { model: 'gpt-4o' })).messages).toEqual(long);
  });
});
