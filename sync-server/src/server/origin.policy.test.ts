/** The Origin policy: listed origins, "*", the relay's own origin, and peers without an Origin. */
import { describe, expect, it } from 'vitest';
import { createOriginPolicy, originAllowed } from './origin.ts';

describe('origin policy', () => {
  it('allows listed origins (case and trailing slash aside), nothing else: not even Origin = Host', () => {
    const p = createOriginPolicy(['https://App.example/']);
    expect(originAllowed(p, 'https://app.example', 'relay.example:8787')).toBe(true);
    // A DNS-rebinding page at http://attacker.example:8787 whose name now resolves to the relay sends both.
    expect(originAllowed(p, 'http://attacker.example:8787', 'attacker.example:8787')).toBe(false);
    expect(originAllowed(p, 'http://relay.example:8787', 'relay.example:8787')).toBe(false);
    expect(originAllowed(p, 'https://evil.example', 'relay.example:8787')).toBe(false);
    expect(originAllowed(p, 'null', 'relay.example:8787')).toBe(false);
    expect(originAllowed(p, 'https://app.example.evil.example', undefined)).toBe(false);
  });

  it('without a list, allows the relay\'s own origin (Origin = Host) only', () => {
    const p = createOriginPolicy([]);
    expect(originAllowed(p, 'http://relay.example:8787', 'relay.example:8787')).toBe(true);
    expect(originAllowed(p, 'https://evil.example', 'relay.example:8787')).toBe(false);
  });

  it('allows any origin with "*", and no Origin unless told otherwise', () => {
    expect(originAllowed(createOriginPolicy(['*']), 'https://anything.example', 'h')).toBe(true);
    expect(originAllowed(createOriginPolicy([]), undefined, 'h')).toBe(true);
    expect(originAllowed(createOriginPolicy([], false), undefined, 'h')).toBe(false);
  });
});
