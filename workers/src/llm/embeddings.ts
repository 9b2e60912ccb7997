/**
 * Text embeddings from the user's own provider, for memory recall: the
 * OpenAI-compatible `POST {base}/embeddings` (OpenAI, Ollama's `/v1`, any
 * compatible server) and Gemini's `:batchEmbedContents`. Anthropic has no
 * embeddings API. Requests go through the same transport as chat (deadlines,
 * key redaction, LlmErrors); texts are sent in batches of at most 64, and an
 * answer of the wrong shape (a count or a length that does not match) is an
 * error rather than a silently wrong index.
 */
import type { LlmDeps } from './deps.ts';
import { resolveDeps } from './deps.ts';
import { GEMINI_BASE_URL } from './gemini-wire.ts';
import { LlmError } from './llm-error.ts';
import { openHttp } from './transport.ts';

export interface Embedder {
  /** `provider/model`: vectors from different embedders are never compared. */
  readonly id: string;
  /** One vector per text, in order. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export interface EmbedderConfig {
  readonly kind: 'openai' | 'ollama' | 'gemini';
  /** The provider's id in the settings (for messages and the embedder id). */
  readonly id: string;
  readonly model: string;
  readonly baseUrl?: string;
  readonly apiKey?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export const EMBED_BATCH = 64;
const DEFAULT_BASE = { openai: 'https://api.openai.com/v1', ollama: 'http://127.0.0.1:11434/v1' } as const;

async function postJson(deps: LlmDeps, provider: string, url: string, headers: Record<string, string>, body: unknown, secrets: (string | undefined)[], signal?: AbortSignal): Promise<unknown> {
  const answer = await openHttp({ provider, url, headers, body, secrets }, deps, signal);
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of answer.chunks) text += decoder.decode(chunk, { stream: true });
  text += decoder.decode();
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new LlmError('E_PROVIDER_STREAM', provider, `unparseable embeddings answer: ${text.slice(0, 80)}`, { cause: err });
  }
}

function vectors(provider: string, raw: unknown, want: number): Float32Array[] {
  if (!Array.isArray(raw) || raw.length !== want) throw new LlmError('E_PROVIDER_STREAM', provider, `expected ${want} embeddings, got ${Array.isArray(raw) ? raw.length : 'none'}`);
  const out = raw.map((v) => {
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new LlmError('E_PROVIDER_STREAM', provider, 'an embedding is not a list of numbers');
    return Float32Array.from(v as number[]);
  });
  if (out.some((v) => v.length !== out[0]!.length)) throw new LlmError('E_PROVIDER_STREAM', provider, 'embeddings of different lengths in one answer');
  return out;
}

export function createEmbedder(config: EmbedderConfig, deps: Partial<LlmDeps> = {}): Embedder {
  const d = resolveDeps(deps);
  const provider = config.id;
  const one = async (batch: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> => {
    if (config.kind === 'gemini') {
      const base = (config.baseUrl ?? GEMINI_BASE_URL).replace(/\/+$/, '');
      const model = encodeURIComponent(config.model.replace(/^models\//, ''));
      const body = { requests: batch.map((text) => ({ model: `models/${config.model.replace(/^models\//, '')}`, content: { parts: [{ text }] } })) };
      const answer = await postJson(d, provider, `${base}/v1beta/models/${model}:batchEmbedContents`, { 'x-goog-api-key': config.apiKey ?? '', ...config.headers }, body, [config.apiKey], signal);
      const list = (answer as { embeddings?: { values?: unknown }[] }).embeddings;
      return vectors(provider, Array.isArray(list) ? list.map((e) => e?.values) : undefined, batch.length);
    }
    const base = (config.baseUrl ?? DEFAULT_BASE[config.kind]).replace(/\/+$/, '');
    const headers = { ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}), ...config.headers };
    const answer = await postJson(d, provider, `${base}/embeddings`, headers, { model: config.model, input: batch }, [config.apiKey], signal);
    const data = (answer as { data?: { index?: unknown; embedding?: unknown }[] }).data;
    const ordered = Array.isArray(data) ? [...data].sort((a, b) => Number(a?.index ?? 0) - Number(b?.index ?? 0)).map((e) => e?.embedding) : undefined;
    return vectors(provider, ordered, batch.length);
  };
  return {
    id: `${config.id}/${config.model}`,
    async embed(texts, signal) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += EMBED_BATCH) out.push(...(await one(texts.slice(i, i + EMBED_BATCH), signal)));
      if (out.some((v) => v.length !== out[0]!.length)) throw new LlmError('E_PROVIDER_STREAM', provider, 'embeddings of different lengths');
      return out;
    },
  };
}
