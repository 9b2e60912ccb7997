/**
 * The tool loop of one answer: ask the model with the tools offered; when it
 * answers with tool calls, run them, append its calls and their results to
 * the conversation (OpenAI-style tool messages, which every adapter
 * translates) and ask again. After `maxRounds` rounds of tool calls the model
 * is asked once more with a note to answer without tools; calls it still
 * makes then are not run, and the answer says the limit was reached.
 *
 * Yields the text as it streams (so replies stream through every round), a
 * cumulative usage event after each round, and one `done` at the end.
 */
import type { ChatMessage, FinishReason, LlmEvent, LlmProvider, ToolCall } from '../llm/index.ts';
import type { Toolbox } from './tool.ts';

export const DEFAULT_MAX_TOOL_ROUNDS = 5;

export const LIMIT_NOTE = 'The tool call limit for this answer is reached. Answer now with what you have, without calling tools.';

export interface ToolLoopOptions {
  readonly provider: LlmProvider;
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly toolbox: Toolbox;
  readonly maxRounds?: number;
  readonly maxTokens?: number;
  /** The chat's temperature; absent: the provider's default. */
  readonly temperature?: number;
  readonly signal?: AbortSignal;
  /** Told about each tool call and its result (worker logs). */
  readonly onToolResult?: (call: ToolCall, result: string) => void;
}

export async function* toolLoop(o: ToolLoopOptions): AsyncGenerator<LlmEvent> {
  const maxRounds = o.maxRounds ?? DEFAULT_MAX_TOOL_ROUNDS;
  const history: ChatMessage[] = [...o.messages];
  const usage = { inputTokens: 0, outputTokens: 0 };
  let wrote = false;
  for (let round = 0; ; round++) {
    const final = round >= maxRounds;
    const request = {
      model: o.model,
      messages: final ? [...history, { role: 'system' as const, content: LIMIT_NOTE }] : history,
      tools: o.toolbox.specs,
      ...(o.maxTokens !== undefined ? { maxTokens: o.maxTokens } : {}),
      ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
    };
    let text = '';
    const calls: ToolCall[] = [];
    let finish: FinishReason = 'stop';
    for await (const e of o.provider.stream(request, o.signal ? { signal: o.signal } : {})) {
      if (e.type === 'text') {
        if (text === '' && wrote && e.text !== '') yield { type: 'text', text: '\n\n' };
        text += e.text;
        yield e;
      } else if (e.type === 'tool_call') {
        calls.push({ id: e.id, name: e.name, arguments: e.arguments });
      } else if (e.type === 'usage') {
        usage.inputTokens += e.inputTokens;
        usage.outputTokens += e.outputTokens;
      } else if (e.type === 'done') {
        finish = e.finishReason;
      }
    }
    wrote ||= text !== '';
    yield { type: 'usage', ...usage };
    if (calls.length === 0) {
      yield { type: 'done', finishReason: finish };
      return;
    }
    if (final) {
      yield { type: 'text', text: `${wrote ? '\n\n' : ''}(Stopped: the limit of ${maxRounds} rounds of tool calls was reached.)` };
      yield { type: 'done', finishReason: 'tool_calls' };
      return;
    }
    history.push({ role: 'assistant', content: text, toolCalls: calls });
    for (const call of calls) {
      if (o.signal?.aborted) return;
      const result = await o.toolbox.execute(call, o.signal ?? new AbortController().signal);
      o.onToolResult?.(call, result);
      history.push({ role: 'tool', toolCallId: call.id, content: result });
    }
  }
}
