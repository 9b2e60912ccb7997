/**
 * One forwarded request to a provider, with the deadlines on the injected
 * clock: no response headers within `firstByteMs`, silence longer than
 * `idleMs` mid-stream, or a whole request longer than `totalMs` aborts it.
 * `abort()` (the client went away) does too.
 * The body is handed over chunk by chunk, exactly as received.
 */
import type { UpstreamResponse, UpstreamTransport } from './upstream-http.ts';

/** The clock the proxy runs on; the relay's Clock fits. */
export interface ProxyClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface UpstreamCall {
  readonly url: string;
  /** Default POST. */
  readonly method?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  readonly firstByteMs: number;
  readonly idleMs: number;
  /** From forwarding to the last byte, however steadily bytes come. */
  readonly totalMs: number;
}

export type EndReason = 'timeout' | 'idle' | 'deadline' | 'client_gone' | 'killed' | 'unreachable';

export type UpstreamResult =
  | { readonly ok: true; readonly response: UpstreamResponse; readonly chunks: AsyncIterable<Uint8Array> }
  | { readonly ok: false; readonly reason: EndReason; readonly cause: unknown };

/** Thrown by `chunks` when the stream ends early: why, for the log. */
export class UpstreamEnded extends Error {
  constructor(readonly reason: EndReason, options?: { cause?: unknown }) {
    super(`upstream ended: ${reason}`, options);
  }
}

export interface UpstreamHandle {
  readonly result: Promise<UpstreamResult>;
  /** Aborts the request: the client went away (default), or the operator switched the provider off. */
  abort(why?: 'client_gone' | 'killed'): void;
}

export function callUpstream(call: UpstreamCall, transport: UpstreamTransport, clock: ProxyClock): UpstreamHandle {
  const controller = new AbortController();
  let reason: EndReason | undefined;
  let timer: unknown;
  let total: unknown;
  const stop = (why: EndReason): void => {
    reason ??= why;
    clock.clearTimeout(timer);
    clock.clearTimeout(total);
    controller.abort();
  };
  const arm = (ms: number, why: EndReason): void => {
    clock.clearTimeout(timer);
    timer = clock.setTimeout(() => stop(why), ms);
  };

  async function* chunks(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    const reader = body[Symbol.asyncIterator]();
    let finished = false;
    try {
      for (;;) {
        arm(call.idleMs, 'idle');
        const { done, value } = await reader.next();
        if (done) {
          finished = true;
          return;
        }
        yield value;
      }
    } catch (err) {
      throw new UpstreamEnded(reason ?? 'unreachable', { cause: err });
    } finally {
      clock.clearTimeout(timer);
      clock.clearTimeout(total);
      if (!finished) controller.abort();
    }
  }

  async function run(): Promise<UpstreamResult> {
    // Armed after the first-byte timer, so when both fall due at once the first-byte reason wins.
    arm(call.firstByteMs, 'timeout');
    total = clock.setTimeout(() => stop('deadline'), call.totalMs);
    try {
      const response = await transport({ url: call.url, method: call.method ?? 'POST', headers: call.headers, ...(call.body && { body: call.body }), signal: controller.signal });
      clock.clearTimeout(timer);
      return { ok: true, response, chunks: chunks(response.body) };
    } catch (cause) {
      clock.clearTimeout(timer);
      clock.clearTimeout(total);
      return { ok: false, reason: reason ?? 'unreachable', cause };
    }
  }

  return { result: run(), abort: (why = 'client_gone') => stop(why) };
}
