/**
 * Request bodies for OpenAI-compatible Chat Completions endpoints (OpenAI,
 * Groq, OpenRouter, vLLM, Ollama's /v1), and the base URLs of the common ones.
 */
import type { ChatMessage, LlmRequest } from './types.ts';

/** Base URLs (ending in /v1 or its equivalent) of OpenAI-compatible services. */
export const OPENAI_COMPATIBLE = {
  openai: 'https://api.openai.com/v1',
  groq: 'https://api.groq.com/openai/v1',
  openrouter: 'https://openrouter.ai/api/v1',
  ollama: 'http://127.0.0.1:11434/v1',
  vllm: 'http://127.0.0.1:8000/v1',
} as const;

function message(m: ChatMessage): Record<string, unknown> {
  switch (m.role) {
    case 'tool':
      return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
    case 'assistant':
      if (!m.toolCalls?.length) return { role: 'assistant', content: m.content };
      return {
        role: 'assistant',
        content: m.content === '' ? null : m.content,
        tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
      };
    case 'user':
      if (!m.images?.length) return { role: 'user', content: m.content };
      // Content parts: the text, then each image as a data: URL (OpenAI's image_url part).
      return {
        role: 'user',
        content: [
          ...(m.content === '' ? [] : [{ type: 'text', text: m.content }]),
          ...m.images.map((i) => ({ type: 'image_url', image_url: { url: `data:${i.mime};base64,${i.base64}` } })),
        ],
      };
    default:
      return { role: m.role, content: m.content };
  }
}

export function openAiBody(r: LlmRequest, includeUsage: boolean): Record<string, unknown> {
  const stream = r.stream !== false;
  return {
    model: r.model,
    messages: r.messages.map(message),
    stream,
    ...(stream && includeUsage && { stream_options: { include_usage: true } }),
    ...(r.tools?.length && {
      tools: r.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description ?? '', parameters: t.parameters } })),
    }),
    ...(r.maxTokens !== undefined && { max_tokens: r.maxTokens }),
    ...(r.temperature !== undefined && { temperature: r.temperature }),
  };
}
