import { describe, expect, it } from 'vitest';
import type { LlmEvent, LlmProvider, LlmRequest } from '../llm/index.ts';
import { LIMIT_NOTE, toolLoop } from './tool-loop.ts';
import { toolbox, type AgentTool } from './tool.ts';

/** A provider that plays one scripted answer per request and keeps the requests. */
function scripted(answers: LlmEvent[][]): LlmProvider & { requests: LlmRequest[] } {
  const requests: LlmRequest[] = [];
  return {
    id: 'scripted',
    requests,
    async *stream(request) {
      requests.push(JSON.parse(JSON.stringify(request)) as LlmRequest);
      const answer = answers[Math.min(requests.length - 1, answers.length - 1)]!;
      for (const e of answer) yield e;
    },
  };
}

const echo: AgentTool = {
  kind: 'network',
  spec: { name: 'echo', parameters: { type: 'object' } },
  run: async (args) => `echoed ${JSON.stringify(args)}`,
};
const call = (id: string, args = '{"x":1}'): LlmEvent => ({ type: 'tool_call', id, name: 'echo', arguments: args });

async function run(p: LlmProvider, maxRounds?: number) {
  const events: LlmEvent[] = [];
  for await (const e of toolLoop({ provider: p, model: 'm', messages: [{ role: 'user', content: 'hi' }], toolbox: toolbox([echo]), ...(maxRounds ? { maxRounds } : {}) })) events.push(e);
  return { text: events.map((e) => (e.type === 'text' ? e.text : '')).join(''), events };
}

describe('tool loop', () => {
  it('runs the calls, sends results back as tool messages, and streams the text of every round', async () => {
    const p = scripted([
      [{ type: 'text', text: 'Let me check.' }, call('c1'), call('c2', '{"x":2}'), { type: 'usage', inputTokens: 10, outputTokens: 2 }, { type: 'done', finishReason: 'tool_calls' }],
      [{ type: 'text', text: 'Done: ' }, { type: 'text', text: '1 and 2.' }, { type: 'usage', inputTokens: 30, outputTokens: 5 }, { type: 'done', finishReason: 'stop' }],
    ]);
    const { text, events } = await run(p);
    expect(text).toBe('Let me check.\n\nDone: 1 and 2.');
    expect(p.requests).toHaveLength(2);
    expect(p.requests[1]!.messages.slice(1)).toEqual([
      { role: 'assistant', content: 'Let me check.', toolCalls: [{ id: 'c1', name: 'echo', arguments: '{"x":1}' }, { id: 'c2', name: 'echo', arguments: '{"x":2}' }] },
      { role: 'tool', toolCallId: 'c1', content: 'echoed {"x":1}' },
      { role: 'tool', toolCallId: 'c2', content: 'echoed {"x":2}' },
    ]);
    expect(p.requests.every((r) => r.tools?.[0]?.name === 'echo')).toBe(true);
    expect(events.filter((e) => e.type === 'usage').at(-1)).toEqual({ type: 'usage', inputTokens: 40, outputTokens: 7 });
    expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'stop' });
  });

  it('stops after the round limit: one last request with the limit note, its calls not run', async () => {
    const p = scripted([[call('again'), { type: 'done', finishReason: 'tool_calls' }]]);
    const ran: string[] = [];
    const counting = toolbox([{ ...echo, run: async () => (ran.push('x'), 'ok') }]);
    const events: LlmEvent[] = [];
    for await (const e of toolLoop({ provider: p, model: 'm', messages: [{ role: 'user', content: 'hi' }], toolbox: counting, maxRounds: 3 })) events.push(e);
    expect(ran).toHaveLength(3);
    expect(p.requests).toHaveLength(4);
    expect(p.requests[3]!.messages.at(-1)).toEqual({ role: 'system', content: LIMIT_NOTE });
    expect(p.requests.slice(0, 3).every((r) => r.messages.at(-1)?.role !== 'system')).toBe(true);
    expect(events.map((e) => (e.type === 'text' ? e.text : '')).join('')).toBe('(Stopped: the limit of 3 rounds of tool calls was reached.)');
  });

  it('ends normally when the model answers in text at the last chance', async () => {
    const p = scripted([[call('a')], [call('b')], [{ type: 'text', text: 'fine' }, { type: 'done', finishReason: 'stop' }]]);
    expect((await run(p, 2)).text).toBe('fine');
  });

  it('tells the model about unknown tools and bad arguments instead of failing', async () => {
    const box = toolbox([echo]);
    const signal = new AbortController().signal;
    expect(await box.execute({ id: '1', name: 'nope', arguments: '{}' }, signal)).toMatch(/no tool named nope; the tools are echo/);
    expect(await box.execute({ id: '1', name: 'echo', arguments: '{oops' }, signal)).toMatch(/not valid JSON/);
    expect(await box.execute({ id: '1', name: 'echo', arguments: '[1]' }, signal)).toMatch(/must be a JSON object/);
    expect(await box.execute({ id: '1', name: 'echo', arguments: '' }, signal)).toBe('echoed {}');
    const failing = toolbox([{ ...echo, run: async () => Promise.reject(new Error('kaput')) }]);
    expect(await failing.execute({ id: '1', name: 'echo', arguments: '{}' }, signal)).toBe('error: kaput');
  });
});
