/**
 * Request bodies for the Anthropic Messages API: system messages become the
 * top-level `system`, assistant tool calls become tool_use blocks, and tool
 * results become tool_result blocks in a user turn (consecutive results share
 * one turn, as the API requires alternating roles).
 */
import type { ChatMessage, LlmRequest } from './types.ts';

export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const ANTHROPIC_VERSION = '2023-06-01';
/** Anthropic requires max_tokens; used when the request sets none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

type Block = Record<string, unknown>;
interface Turn { role: 'user' | 'assistant'; content: Block[] }

function toolInput(args: string): unknown {
  try {
    const value = JSON.parse(args || '{}') as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : { value };
  } catch {
    return { raw: args };
  }
}

function blocks(m: Exclude<ChatMessage, { role: 'system' }>): Block[] {
  if (m.role === 'tool') return [{ type: 'tool_result', tool_use_id: m.toolCallId, content: m.content }];
  const text = m.content === '' ? [] : [{ type: 'text', text: m.content }];
  // Image blocks (base64 source) before the text, as Anthropic recommends.
  if (m.role === 'user') return [...(m.images ?? []).map((i) => ({ type: 'image', source: { type: 'base64', media_type: i.mime, data: i.base64 } })), ...text];
  return [...text, ...(m.toolCalls ?? []).map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: toolInput(c.arguments) }))];
}

export function anthropicBody(r: LlmRequest): Record<string, unknown> {
  const system = r.messages.flatMap((m) => (m.role === 'system' ? [m.content] : [])).join('\n\n');
  const turns: Turn[] = [];
  for (const m of r.messages) {
    if (m.role === 'system') continue;
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks(m));
    else turns.push({ role, content: blocks(m) });
  }
  return {
    model: r.model,
    ...(system !== '' && { system }),
    messages: turns,
    max_tokens: r.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    stream: r.stream !== false,
    ...(r.tools?.length && { tools: r.tools.map((t) => ({ name: t.name, description: t.description ?? '', input_schema: t.parameters })) }),
    ...(r.temperature !== undefined && { temperature: r.temperature }),
  };
}
