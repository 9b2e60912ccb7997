/** Error messages: the provider's sentence, never the key; Retry-After in its three forms; status codes to stable codes. */
import { describe, expect, it } from 'vitest';
import { httpError, parseRetryAfter, providerMessage, redact } from './llm-error.ts';

describe('provider errors', () => {
  it('redacts the given secrets and anything shaped like a provider key', () => {
    expect(redact('key abc123secret here', ['abc123secret'])).toBe('key [redacted] here');
    expect(redact('Incorrect API key provided: sk-proj-AAAAbbbbCCCCdddd1234.', [])).toBe('Incorrect API key provided: [redacted].');
    expect(redact('gsk_0123456789abcdefXYZ and AIzaSyA-0123456789abcdef', [])).not.toMatch(/gsk_|AIza/);
  });

  it('reads the sentence out of OpenAI, Anthropic and Gemini error bodies', () => {
    expect(providerMessage('{"error":{"message":"Rate limit reached","type":"requests"}}')).toBe('Rate limit reached');
    expect(providerMessage('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}')).toBe('Overloaded');
    expect(providerMessage('{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}')).toBe('Quota exceeded');
    expect(providerMessage('<html>Bad Gateway</html>')).toBe('<html>Bad Gateway</html>');
    expect(providerMessage('x'.repeat(1000)).length).toBeLessThan(310);
  });

  it('parses Retry-After as seconds, as an HTTP date, and retry-after-ms', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter(new Headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:10 GMT' }), now)).toBe(10_000);
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250', 'retry-after': '1' }), now)).toBe(250);
    expect(parseRetryAfter(new Headers({}), now)).toBeUndefined();
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
  });

  it('maps statuses to stable codes and says whether a retry may help', () => {
    const cases = [[401, 'E_PROVIDER_AUTH', false], [403, 'E_PROVIDER_AUTH', false], [404, 'E_PROVIDER_HTTP', false], [429, 'E_PROVIDER_RATE_LIMITED', true], [500, 'E_PROVIDER_UNAVAILABLE', true], [529, 'E_PROVIDER_UNAVAILABLE', true]] as const;
    for (const [status, code, retryable] of cases) expect(httpError('p', status, '', undefined, [])).toMatchObject({ code, retryable, status });
    expect(httpError('openai', 429, '{"error":{"message":"slow down"}}', 2000, []).message).toBe('openai: rate limited, HTTP 429: slow down (retry after 2 s)');
  });
});
