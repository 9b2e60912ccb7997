/**
 * One HTTP exchange with a provider, under the two deadlines: no first byte
 * within `firstByteMs`, or silence longer than `idleMs` mid-stream, aborts
 * the request with E_PROVIDER_TIMEOUT. The caller's signal aborts it with
 * E_ABORTED. Leaving the body iterator early (break, throw) aborts the request
 * too, so a Stop always closes the connection. Non-2xx answers become LlmErrors.
 */
import type { LlmDeps } from './deps.ts';
import { httpError, LlmError, parseRetryAfter, redact } from './llm-error.ts';
import { readSse, type SseEvent } from './sse.ts';

export interface HttpCall {
  readonly provider: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  /** Strings never to show in an error message (the API key). */
  readonly secrets: readonly (string | undefined)[];
}

export interface HttpAnswer {
  /** The response content type, e.g. text/event-stream or application/json. */
  readonly contentType: string;
  /** The body, chunk by chunk, under the idle deadline. */
  readonly chunks: AsyncIterable<Uint8Array>;
}

export async function openHttp(call: HttpCall, deps: LlmDeps, signal: AbortSignal | undefined): Promise<HttpAnswer> {
  const { timers, timeouts } = deps;
  const controller = new AbortController();
  let reason: 'timeout' | 'aborted' | undefined;
  let phase = 'no first byte';
  let timer: unknown;
  const stop = (why: 'timeout' | 'aborted') => (): void => {
    reason ??= why;
    controller.abort();
  };
  const arm = (ms: number): void => {
    timers.clearTimeout(timer);
    timer = timers.setTimeout(stop('timeout'), ms);
  };
  const onAbort = stop('aborted');
  const cleanup = (): void => {
    timers.clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  };
  const failure = (err: unknown): LlmError => {
    if (err instanceof LlmError) return err;
    if (reason === 'aborted') return new LlmError('E_ABORTED', call.provider, 'stopped by the caller', { cause: err });
    if (reason === 'timeout') {
      const ms = phase === 'no first byte' ? timeouts.firstByteMs : timeouts.idleMs;
      return new LlmError('E_PROVIDER_TIMEOUT', call.provider, `${phase} within ${ms} ms`, { cause: err });
    }
    const detail = err instanceof Error ? redact(String((err.cause as Error | undefined)?.message ?? err.message), call.secrets) : '';
    const host = new URL(call.url).host;
    const what = phase === 'no first byte' ? `could not reach ${host}` : `the connection to ${host} broke mid-stream`;
    return new LlmError('E_PROVIDER_UNAVAILABLE', call.provider, `${what}${detail ? `: ${detail}` : ''}`, { cause: err });
  };

  if (signal?.aborted) throw new LlmError('E_ABORTED', call.provider, 'stopped by the caller');
  signal?.addEventListener('abort', onAbort, { once: true });
  arm(timeouts.firstByteMs);
  let response: Response;
  try {
    response = await deps.fetch(call.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...call.headers },
      body: JSON.stringify(call.body),
      signal: controller.signal,
    });
    if (!response.ok) {
      const text = await response.text();
      throw httpError(call.provider, response.status, text, parseRetryAfter(response.headers, deps.now()), call.secrets);
    }
  } catch (err) {
    cleanup();
    throw failure(err);
  }

  const body = response.body;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (!body) {
      cleanup();
      return;
    }
    const reader = body.getReader();
    let finished = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          finished = true;
          return;
        }
        phase = 'silent mid-stream';
        arm(timeouts.idleMs);
        yield value;
      }
    } catch (err) {
      throw failure(err);
    } finally {
      cleanup();
      if (!finished) controller.abort();
    }
  }
  return { contentType: response.headers.get('content-type') ?? '', chunks: chunks() };
}

/** The answer as SSE events; a JSON answer (non-streaming) comes as one event named "json". */
export async function* answerEvents(answer: HttpAnswer): AsyncGenerator<SseEvent> {
  if (answer.contentType.includes('text/event-stream')) return yield* readSse(answer.chunks);
  const parts: Uint8Array[] = [];
  for await (const c of answer.chunks) parts.push(c);
  yield { event: 'json', data: Buffer.concat(parts).toString('utf8'), id: undefined };
}

/** JSON.parse that turns garbage into E_PROVIDER_STREAM. */
export function parseJson(provider: string, data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch (err) {
    throw new LlmError('E_PROVIDER_STREAM', provider, `unparseable data in the answer: ${data.slice(0, 80)}`, { cause: err });
  }
}
