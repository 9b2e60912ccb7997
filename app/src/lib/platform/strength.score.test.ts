import { describe, expect, it } from 'vitest';
import { passphraseStrength, requireStrongPassphrase } from './strength.ts';

describe('backup passphrase strength', () => {
  it('refuses long but guessable passphrases that a length check would pass', () => {
    for (const weak of ['password1234', 'qwertyuiop', 'aaaaaaaaaaaaaaaa', '12345678910', 'iloveyou2024']) {
      expect(passphraseStrength(weak).ok, weak).toBe(false);
      expect(() => requireStrongPassphrase(weak), weak).toThrow(/too easy to guess/);
    }
  });

  it('refuses the workspace name reused as a passphrase', () => {
    expect(passphraseStrength('FamilyPhotosTendril', ['Family Photos', 'Tendril laptop']).ok).toBe(false);
  });

  it('accepts unrelated words and random text', () => {
    for (const strong of ['correct horse battery staple violin', 'vX7#qL2!pZ9m', 'umbrella quantum sideways porridge']) {
      expect(passphraseStrength(strong).ok, strong).toBe(true);
      expect(() => requireStrongPassphrase(strong)).not.toThrow();
    }
  });
});
