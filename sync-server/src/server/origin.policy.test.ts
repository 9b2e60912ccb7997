/** The Origin policy: listed origins, "*", the relay's own origin, and peers without an Origin. */
import { describe, expect, it } from 'vitest';
import { createOriginPolicy, originAllowed } from './origin.ts';

describe('origin policy', () => {
  it('allows listed origins (case and trailing slash aside) and the relay host, nothing else', () => {
    const p = createOriginPolicy(['https://App.example/']);
    expect(originAllowed(p, 'https://app.example', 'relay.example:8787')).toBe(true);
    expect(originAllowed(p, 'http://relay.example:8787', 'relay.example:8787')).toBe(true);
    expect(originAllowed(p, 'https://evil.example', 'relay.example:8787')).toBe(false);
    expect(originAllowed(p, 'null', 'relay.example:8787')).toBe(false);
    expect(originAllowed(p, 'https://app.example.evil.example', undefined)).toBe(false);
  });

  it('allows any origin with "*", and no Origin unless told otherwise', () => {
    expect(originAllowed(createOriginPolicy(['*']), 'https://anything.example', 'h')).toBe(true);
    expect(originAllowed(createOriginPolicy([]), undefined, 'h')).toBe(true);
    expect(originAllowed(createOriginPolicy([], false), undefined, 'h')).toBe(false);
  });
});
