/**
 * Shared pieces of the adapter tests: a fake provider per test with cleanup,
 * timers that record the delays asked for and fire at once, a short request,
 * and a way to take a stream's failure as a value.
 */
import { afterEach } from 'vitest';
import { startFakeProvider, type FakeProvider, type FakeProviderOptions } from '@tendril/crdt-schema/testkit';
import type { Timers } from './deps.ts';
import type { LlmEvent, LlmRequest } from './types.ts';

/** Starts fake providers on demand and closes them after each test. */
export function fakeProviders(): (options?: FakeProviderOptions) => Promise<FakeProvider> {
  const open: FakeProvider[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((f) => f.close()));
  });
  return async (options) => {
    const fake = await startFakeProvider(options);
    open.push(fake);
    return fake;
  };
}

/** Timers that record each requested delay and fire on the next macrotask, so backoff is checked without waiting for it. */
export function recordingTimers(): Timers & { readonly delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    setTimeout(fn, ms) {
      delays.push(ms);
      return setTimeout(fn, 0);
    },
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  };
}

/** Timers that fire only when the test says so. */
export function manualTimers(): Timers & { readonly pending: number; fireAll(): void } {
  let next = 1;
  const due = new Map<number, () => void>();
  return {
    setTimeout(fn) {
      due.set(next, fn);
      return next++;
    },
    clearTimeout: (h) => void due.delete(h as number),
    get pending() {
      return due.size;
    },
    fireAll() {
      const fns = [...due.values()];
      due.clear();
      for (const fn of fns) fn();
    },
  };
}

export const ask = (text: string, model = 'gpt-4o-mini'): LlmRequest => ({
  model,
  messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: text }],
});

/** Drains a stream; returns the events before the failure and the failure (undefined when it completed). */
export async function drain(stream: AsyncIterable<LlmEvent>): Promise<{ events: LlmEvent[]; error: unknown }> {
  const events: LlmEvent[] = [];
  try {
    for await (const e of stream) events.push(e);
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

export const textOf = (events: readonly LlmEvent[]): string => events.map((e) => (e.type === 'text' ? e.text : '')).join('');
