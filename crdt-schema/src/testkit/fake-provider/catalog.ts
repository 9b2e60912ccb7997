/**
 * The fake provider's answers that are not chat: model lists (OpenAI's and
 * Anthropic's `GET /v1/models`, told apart by Anthropic's `anthropic-version`
 * header as the real APIs are told apart by host; Gemini's
 * `GET /v1beta/models`) and embeddings (OpenAI's `POST /v1/embeddings`,
 * Gemini's `:embedContent` and `:batchEmbedContents`), each in its
 * provider's shape. Vectors are a deterministic function of the text (a
 * hashed bag of words with a few synonym groups), so a test can compare them
 * and recall by meaning. These answers use no scenario.
 */
import { anthropicDialect } from './anthropic.ts';
import { geminiDialect } from './gemini.ts';
import { openAiDialect } from './openai.ts';
import { headerValue, type Dialect } from './plan.ts';

export interface CatalogRoute {
  readonly dialect: Dialect;
  readonly kind: 'models' | 'embeddings' | 'batchEmbeddings';
  /** The model the path names (Gemini). */
  readonly model?: string;
}

/** The model names each dialect lists by default. */
export const DEFAULT_MODELS: Readonly<Record<Dialect['name'], readonly string[]>> = {
  openai: ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'],
  anthropic: ['claude-sonnet-4-20250514', 'claude-3-5-haiku-20241022'],
  gemini: ['gemini-2.5-flash', 'gemini-2.5-pro', 'text-embedding-004'],
};

export const EMBEDDING_DIMENSIONS = 64;
export function catalogRoute(method: string, path: string, headers: Record<string, string | string[] | undefined>): CatalogRoute | undefined {
  if (method === 'GET' && path === '/v1/models') return { dialect: headerValue(headers['anthropic-version']) ? anthropicDialect : openAiDialect, kind: 'models' };
  if (method === 'GET' && path === '/v1beta/models') return { dialect: geminiDialect, kind: 'models' };
  if (method === 'POST' && path === '/v1/embeddings') return { dialect: openAiDialect, kind: 'embeddings' };
  const gemini = method === 'POST' ? /^\/v1beta\/models\/([^/:]+):(embedContent|batchEmbedContents)$/.exec(path) : null;
  if (gemini) return { dialect: geminiDialect, kind: gemini[2] === 'embedContent' ? 'embeddings' : 'batchEmbeddings', model: gemini[1]! };
  return undefined;
}

/**
 * Words the fake embeds alike, so a test can recall a fact with other words than it was stored with
 * (as a real embedding model would): each group is one concept.
 */
export const FAKE_SYNONYMS: readonly (readonly string[])[] = [
  ['colour', 'color', 'hue', 'shade'],
  ['favourite', 'favorite', 'preferred', 'best-liked'],
  ['deadline', 'due', 'cutoff'],
  ['car', 'automobile', 'vehicle'],
  ['dog', 'puppy', 'hound'],
  ['home', 'house', 'residence'],
];

const CONCEPT = new Map(FAKE_SYNONYMS.flatMap((group) => group.map((w) => [w, group[0]!] as const)));

function hashWord(word: string): number {
  let h = 2166136261;
  for (let c = 0; c < word.length; c++) h = Math.imul(h ^ word.charCodeAt(c), 16777619);
  return h >>> 0;
}

/**
 * A unit-length vector that depends only on `text`: a hashed bag of words (lower case, a plural
 * `s` dropped, synonyms of FAKE_SYNONYMS as one word), so texts sharing words or concepts are near
 * and texts sharing none are far apart.
 */
export function fakeEmbedding(text: string): number[] {
  const v: number[] = Array.from({ length: EMBEDDING_DIMENSIONS }, () => 0);
  for (const raw of text.toLowerCase().match(/[\p{L}\p{N}-]+/gu) ?? []) {
    const word = raw.length > 3 && raw.endsWith('s') ? raw.slice(0, -1) : raw;
    const h = hashWord(CONCEPT.get(word) ?? CONCEPT.get(raw) ?? word);
    v[h % EMBEDDING_DIMENSIONS]! += (h & 0x100) === 0 ? 1 : -1;
  }
  if (Math.hypot(...v) === 0) v[0] = 1;
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

const tokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4));

function modelList(dialect: Dialect['name'], models: readonly string[]): unknown {
  if (dialect === 'anthropic') {
    const data = models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' }));
    return { data, has_more: false, first_id: models[0] ?? null, last_id: models.at(-1) ?? null };
  }
  if (dialect === 'gemini') {
    return {
      models: models.map((id) => ({
        name: `models/${id}`, version: '001', displayName: id, inputTokenLimit: 1_048_576, outputTokenLimit: 65_536,
        supportedGenerationMethods: id.includes('embedding') ? ['embedContent'] : ['generateContent', 'countTokens'],
      })),
    };
  }
  return { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake' })) };
}

const geminiText = (content: unknown): string =>
  ((content as { parts?: { text?: unknown }[] } | undefined)?.parts ?? []).map((p) => (typeof p?.text === 'string' ? p.text : '')).join('');

/** The answer body for a catalog request, or an error message for a body of the wrong shape. */
export function catalogAnswer(r: CatalogRoute, body: unknown, models: readonly string[] | undefined): { ok: true; body: unknown } | { ok: false; message: string } {
  if (r.kind === 'models') return { ok: true, body: modelList(r.dialect.name, models ?? DEFAULT_MODELS[r.dialect.name]) };
  const b = (body ?? {}) as { model?: unknown; input?: unknown; content?: unknown; requests?: unknown };
  if (r.dialect.name === 'openai') {
    const inputs = typeof b.input === 'string' ? [b.input] : Array.isArray(b.input) && b.input.every((i) => typeof i === 'string') ? (b.input as string[]) : undefined;
    if (!inputs || typeof b.model !== 'string') return { ok: false, message: "'model' and 'input' (a string or strings) are required" };
    return {
      ok: true,
      body: {
        object: 'list',
        data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(text) })),
        model: b.model,
        usage: { prompt_tokens: inputs.reduce((n, t) => n + tokens(t), 0), total_tokens: inputs.reduce((n, t) => n + tokens(t), 0) },
      },
    };
  }
  if (r.kind === 'embeddings') {
    if (b.content === undefined) return { ok: false, message: '* content: required' };
    return { ok: true, body: { embedding: { values: fakeEmbedding(geminiText(b.content)) } } };
  }
  if (!Array.isArray(b.requests)) return { ok: false, message: '* requests: required' };
  return { ok: true, body: { embeddings: (b.requests as { content?: unknown }[]).map((q) => ({ values: fakeEmbedding(geminiText(q?.content)) })) } };
}
