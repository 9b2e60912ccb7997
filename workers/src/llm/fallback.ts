/**
 * A fallback chain across configured providers: when one fails before any
 * output (after its own retries), the next is asked, each with its own model.
 * A Stop, or a failure after output started, ends the chain at once.
 *
 * When every provider failed, the error leads with the first failure: that is
 * the provider the person chose and usually the real cause, while the later
 * ones are often backups that were never set up to answer (unreachable,
 * no key). The others follow in the order they were tried.
 */
import { ERROR_THEN } from '@tendril/crdt-schema/schema';
import { isLlmError, LlmError } from './llm-error.ts';
import { isOutput, type LlmProvider } from './types.ts';

export interface FallbackEntry {
  readonly provider: LlmProvider;
  /** The model to ask this provider for; default the request's model. */
  readonly model?: string;
}

export interface FallbackHooks {
  /** Called when a provider failed and the next one is tried. */
  onFallback?(failed: LlmProvider, next: LlmProvider, err: unknown): void;
}

export function fallbackChain(entries: readonly FallbackEntry[], hooks: FallbackHooks = {}): LlmProvider {
  if (entries.length === 0) throw new RangeError('a fallback chain needs at least one provider');
  return {
    id: entries.map((e) => e.provider.id).join('>'),
    async *stream(request, options = {}) {
      const failures: unknown[] = [];
      for (const [i, entry] of entries.entries()) {
        let started = false;
        try {
          for await (const event of entry.provider.stream({ ...request, model: entry.model ?? request.model }, options)) {
            started ||= isOutput(event);
            yield event;
          }
          return;
        } catch (err) {
          const next = entries[i + 1];
          const stopped = options.signal?.aborted === true || (isLlmError(err) && err.code === 'E_ABORTED');
          if (!next && !started && !stopped) throw allFailed([...failures, err]);
          if (started || stopped || !next) throw failures.length === 0 ? err : summarize(err, failures);
          failures.push(err);
          hooks.onFallback?.(entry.provider, next.provider, err);
        }
      }
    },
  };
}

/** Every provider failed before output: the first failure, its message going on with each later one. */
function allFailed(failures: readonly unknown[]): unknown {
  const [first, ...later] = failures;
  if (later.length === 0) return first;
  if (!isLlmError(first)) return summarize(failures.at(-1), failures.slice(0, -1));
  const then = later.map((e) => (e instanceof Error ? e.message : String(e)));
  return new LlmError(first.code, first.provider, [first.detail, ...then].join(ERROR_THEN), {
    status: first.status,
    retryAfterMs: first.retryAfterMs,
    cause: new AggregateError(failures, 'every provider of the fallback chain failed'),
  });
}

/** A failure after output started or after a Stop: the last error, its message naming every provider that failed before it. */
function summarize(last: unknown, earlier: readonly unknown[]): unknown {
  if (!isLlmError(last)) return last;
  const before = earlier.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
  return new LlmError(last.code, last.provider, `${last.detail} (after: ${before})`, {
    status: last.status,
    retryAfterMs: last.retryAfterMs,
    cause: new AggregateError([...earlier, last], 'every provider of the fallback chain failed'),
  });
}
