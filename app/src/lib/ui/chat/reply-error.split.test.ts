/** A fallback chain's error as the app shows it: the first provider's failure first, the others after. */
import { describe, expect, it } from 'vitest';
import { ERROR_THEN } from '@tendril/crdt-schema/schema';
import { replyError } from './reply-error.ts';

describe('replyError', () => {
  it('leads with the first failure and its code, then lists the providers tried after it', () => {
    const text = ['primary: the API key was refused (HTTP 401)', 'backup: network error: connect ECONNREFUSED', 'third: rate limited'].join(ERROR_THEN) + ' [E_PROVIDER_AUTH]';
    expect(replyError(text)).toEqual({
      lead: 'primary: the API key was refused (HTTP 401)',
      code: 'E_PROVIDER_AUTH',
      then: ['backup: network error: connect ECONNREFUSED', 'third: rate limited'],
    });
  });

  it('shows a single error as it is', () => {
    expect(replyError('openai: rate limited [E_PROVIDER_RATE_LIMITED]')).toEqual({ lead: 'openai: rate limited', code: 'E_PROVIDER_RATE_LIMITED', then: [] });
    expect(replyError('the worker went away')).toEqual({ lead: 'the worker went away', then: [] });
  });
});
