/**
 * The model's view of a turn: edits replace what they revise, unfinished
 * replies stay out, and a history longer than the window is compacted into a
 * summary written by the model itself (from at most half the window of text).
 */
import { describe, expect, it } from 'vitest';
import type { DeviceId, MessageId } from '@tendril/crdt-schema/ids';
import type { ChatMessage as Stored } from '@tendril/crdt-schema/schema';
import { SUMMARY_PREFIX, type LlmProvider, type LlmRequest } from '../llm/index.ts';
import { modelSummarizer, turnContext } from './turn-context.ts';

const me = 'A'.repeat(43) as DeviceId;
let n = 0;
function msg(role: Stored['role'], content: string, extra: Partial<Stored> = {}): Stored {
  n++;
  return { id: `m${String(n).padStart(20, '0')}` as MessageId, author: me, role, content, status: 'done', createdAt: n, ...extra };
}

/** A provider double that answers every request with fixed text and records the requests. */
function recordingProvider(answer: string): LlmProvider & { requests: LlmRequest[] } {
  const requests: LlmRequest[] = [];
  return {
    id: 'recording',
    requests,
    async *stream(request) {
      requests.push(request);
      yield { type: 'text', text: answer };
      yield { type: 'done', finishReason: 'stop' };
    },
  };
}

describe('turnContext', () => {
  it('keeps the system prompt, follows edits, and leaves out unfinished replies', async () => {
    const first = msg('user', 'first question');
    const edited = msg('user', 'first question, revised', { parent: first.id });
    const streaming = msg('assistant', 'half an answ', { status: 'streaming' });
    const turn = msg('user', 'and now?');
    const out = await turnContext([first, edited, streaming, turn], turn.id, { model: 'gpt-4o-mini', systemPrompt: 'Be brief.' });
    expect(out).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'first question, revised' },
      { role: 'user', content: 'and now?' },
    ]);
  });

  it('compacts a history longer than the window into a summary by the model', async () => {
    const history: Stored[] = [];
    for (let i = 0; i < 40; i++) history.push(msg(i % 2 ? 'assistant' : 'user', `message ${i} `.repeat(40)));
    const turn = msg('user', 'the latest question');
    const provider = recordingProvider('they talked about messages');
    const out = await turnContext([...history, turn], turn.id, { model: 'm', window: 2000, summarize: modelSummarizer(provider, 'm') });
    expect(out.length).toBeLessThan(history.length);
    expect(out.some((m) => m.content.startsWith(SUMMARY_PREFIX) && m.content.includes('they talked about messages'))).toBe(true);
    expect(out.at(-1)).toEqual({ role: 'user', content: 'the latest question' });
    expect(provider.requests).toHaveLength(1);
    expect(provider.requests[0]!.messages[1]!.content).toContain('message 0');
  });

  it('sends the summarizer at most half the model window, and ends its request with the signal', async () => {
    const provider = recordingProvider('short');
    const summarize = modelSummarizer(provider, 'gpt-4o-mini');
    await summarize([{ role: 'user', content: 'x'.repeat(900_000) }], 1000);
    expect(provider.requests[0]!.messages[1]!.content.length).toBe((128_000 / 2) * 4);
    const abort = new AbortController();
    abort.abort();
    const seen: (AbortSignal | undefined)[] = [];
    const watching: LlmProvider = { id: 'w', async *stream(_r, o) { seen.push(o?.signal); yield { type: 'done', finishReason: 'stop' }; } };
    await modelSummarizer(watching, 'gpt-4o-mini', abort.signal)([{ role: 'user', content: 'a' }], 10);
    expect(seen[0]?.aborted).toBe(true);
  });
});
