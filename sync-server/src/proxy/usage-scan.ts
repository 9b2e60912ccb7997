/**
 * Reads token usage out of an upstream answer while its bytes pass through
 * untouched: the `data:` lines of an SSE stream (OpenAI's usage chunk,
 * Anthropic's message_start and message_delta, Gemini's `usageMetadata`,
 * which each chunk repeats with the totals so far) or a whole JSON body. The
 * scanner only looks; it never alters or holds back what the client gets.
 */

export interface ScannedUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** The model the upstream names in its answer, if it did. */
  readonly model: string | undefined;
}

export interface UsageScanner {
  push(chunk: Uint8Array): void;
  /** Usage found in the answer, or undefined when it carried none. */
  end(): ScannedUsage | undefined;
}

/** Lines or JSON bodies longer than this are not scanned (they carry no usage worth the memory). */
const MAX_BUFFER = 1 << 20;

interface UsageJson { prompt_tokens?: number; completion_tokens?: number; input_tokens?: number; output_tokens?: number; cache_creation_input_tokens?: number; cache_read_input_tokens?: number }
/** Gemini's counts: thinking tokens are billed as output, cached tokens are part of the prompt count. */
interface UsageMetadata { promptTokenCount?: number; candidatesTokenCount?: number; thoughtsTokenCount?: number }
interface Payload { type?: string; model?: string; modelVersion?: string; usage?: UsageJson | null; message?: { model?: string; usage?: UsageJson }; usageMetadata?: UsageMetadata | null }

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);

export function createUsageScanner(streaming: boolean): UsageScanner {
  const utf8 = new TextDecoder();
  let buffer = '';
  let overflow = false;
  let input: number | undefined;
  let output: number | undefined;
  let model: string | undefined;

  const take = (u: UsageJson | null | undefined): void => {
    if (!u || typeof u !== 'object') return;
    const prompt = count(u.prompt_tokens);
    const completion = count(u.completion_tokens);
    const inputTokens = count(u.input_tokens);
    const outputTokens = count(u.output_tokens);
    if (prompt !== undefined) input = prompt;
    if (completion !== undefined) output = completion;
    if (inputTokens !== undefined) input = inputTokens + (count(u.cache_creation_input_tokens) ?? 0) + (count(u.cache_read_input_tokens) ?? 0);
    if (outputTokens !== undefined) output = outputTokens;
  };
  const takeGemini = (u: UsageMetadata | null | undefined): void => {
    if (!u || typeof u !== 'object') return;
    const prompt = count(u.promptTokenCount);
    const candidates = count(u.candidatesTokenCount);
    const thoughts = count(u.thoughtsTokenCount);
    if (prompt !== undefined) input = prompt;
    if (candidates !== undefined || thoughts !== undefined) output = (candidates ?? 0) + (thoughts ?? 0);
  };
  const look = (text: string): void => {
    let p: Payload;
    try {
      p = JSON.parse(text) as Payload;
    } catch {
      return;
    }
    if (p === null || typeof p !== 'object') return;
    model ??= p.model ?? p.message?.model ?? p.modelVersion;
    take(p.message?.usage);
    take(p.usage);
    takeGemini(p.usageMetadata);
  };
  // Most events of a stream are token deltas: once the model is known, only an event that names
  // usage (`usage`, `usageMetadata`) is parsed; parsing every delta was a tenth of the relay's CPU per request.
  const line = (l: string): void => {
    if (!l.startsWith('data:')) return;
    if (model !== undefined && !l.includes('usage')) return;
    look(l.slice(5).trim());
  };

  return {
    push(chunk) {
      if (overflow) return;
      buffer += utf8.decode(chunk, { stream: true });
      if (streaming) {
        const lines = buffer.split(/\r\n|\r|\n/);
        buffer = lines.pop() ?? '';
        for (const l of lines) line(l);
      }
      if (buffer.length > MAX_BUFFER) {
        overflow = !streaming;
        buffer = '';
      }
    },
    end() {
      buffer += utf8.decode();
      if (streaming) line(buffer);
      else if (!overflow) look(buffer);
      buffer = '';
      if (input === undefined && output === undefined) return undefined;
      return { inputTokens: input ?? 0, outputTokens: output ?? 0, model };
    },
  };
}
