/**
 * The images a request carried, read back from its body in each provider's own format, so tests can
 * assert that attachments reached the model as that provider expects: OpenAI `image_url` parts with a
 * base64 data URL, Anthropic `image` blocks with a base64 source, Gemini `inlineData` parts. An image
 * in another shape (say an OpenAI request with an Anthropic block) is not recorded.
 */
import type { Dialect } from './plan.ts';

export interface FakeImage {
  /** Which provider format it came in. */
  readonly format: 'openai-image-url' | 'anthropic-image' | 'gemini-inline-data';
  readonly mime: string;
  /** The image bytes, decoded from base64. */
  readonly bytes: Uint8Array;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const decode = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, 'base64'));

function openAi(body: Record<string, unknown>): FakeImage[] {
  return list(body.messages).flatMap((m) =>
    isRecord(m) && m.role === 'user'
      ? list(m.content).flatMap((p) => {
          if (!isRecord(p) || p.type !== 'image_url' || !isRecord(p.image_url) || typeof p.image_url.url !== 'string') return [];
          const match = /^data:([^;,]+);base64,(.*)$/s.exec(p.image_url.url);
          return match ? [{ format: 'openai-image-url' as const, mime: match[1]!, bytes: decode(match[2]!) }] : [];
        })
      : [],
  );
}

function anthropic(body: Record<string, unknown>): FakeImage[] {
  return list(body.messages).flatMap((m) =>
    isRecord(m) && m.role === 'user'
      ? list(m.content).flatMap((b) =>
          isRecord(b) && b.type === 'image' && isRecord(b.source) && b.source.type === 'base64' && typeof b.source.media_type === 'string' && typeof b.source.data === 'string'
            ? [{ format: 'anthropic-image' as const, mime: b.source.media_type, bytes: decode(b.source.data) }]
            : [],
        )
      : [],
  );
}

function gemini(body: Record<string, unknown>): FakeImage[] {
  return list(body.contents).flatMap((c) =>
    isRecord(c) && c.role === 'user'
      ? list(c.parts).flatMap((p) =>
          isRecord(p) && isRecord(p.inlineData) && typeof p.inlineData.mimeType === 'string' && typeof p.inlineData.data === 'string'
            ? [{ format: 'gemini-inline-data' as const, mime: p.inlineData.mimeType, bytes: decode(p.inlineData.data) }]
            : [],
        )
      : [],
  );
}

/** The images of a request body in `dialect`'s format (none for other routes). */
export function imagesOf(dialect: Dialect['name'] | undefined, body: unknown): FakeImage[] {
  if (!isRecord(body)) return [];
  if (dialect === 'openai') return openAi(body);
  if (dialect === 'anthropic') return anthropic(body);
  if (dialect === 'gemini') return gemini(body);
  return [];
}
