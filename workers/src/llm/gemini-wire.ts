/**
 * Request bodies for the Gemini generateContent API: system messages become
 * `systemInstruction`, the assistant is the "model" role, tool calls are
 * functionCall parts and tool results functionResponse parts (which need the
 * function's name, looked up from the call they answer).
 */
import type { ChatMessage, LlmRequest } from './types.ts';

export const GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com';

type Part = Record<string, unknown>;
interface Content { role: 'user' | 'model'; parts: Part[] }

const objectOf = (text: string): Record<string, unknown> => {
  try {
    const v = JSON.parse(text || '{}') as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { result: v };
  } catch {
    return { result: text };
  }
};

function parts(m: Exclude<ChatMessage, { role: 'system' }>, names: Map<string, string>): Part[] {
  if (m.role === 'tool') return [{ functionResponse: { name: names.get(m.toolCallId) ?? 'tool', response: objectOf(m.content) } }];
  const text = m.content === '' ? [] : [{ text: m.content }];
  if (m.role === 'user') return [...text, ...(m.images ?? []).map((i) => ({ inlineData: { mimeType: i.mime, data: i.base64 } }))];
  return [...text, ...(m.toolCalls ?? []).map((c) => ({ functionCall: { name: c.name, args: objectOf(c.arguments) } }))];
}

export function geminiBody(r: LlmRequest): Record<string, unknown> {
  const names = new Map<string, string>();
  for (const m of r.messages) if (m.role === 'assistant') for (const c of m.toolCalls ?? []) names.set(c.id, c.name);
  const system = r.messages.flatMap((m) => (m.role === 'system' ? [m.content] : [])).join('\n\n');
  const contents: Content[] = [];
  for (const m of r.messages) {
    if (m.role === 'system') continue;
    const role = m.role === 'assistant' ? 'model' : 'user';
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts(m, names));
    else contents.push({ role, parts: parts(m, names) });
  }
  const generationConfig = {
    ...(r.maxTokens !== undefined && { maxOutputTokens: r.maxTokens }),
    ...(r.temperature !== undefined && { temperature: r.temperature }),
  };
  return {
    contents,
    ...(system !== '' && { systemInstruction: { parts: [{ text: system }] } }),
    ...(r.tools?.length && { tools: [{ functionDeclarations: r.tools.map((t) => ({ name: t.name, description: t.description ?? '', parameters: t.parameters })) }] }),
    ...(Object.keys(generationConfig).length > 0 && { generationConfig }),
  };
}
