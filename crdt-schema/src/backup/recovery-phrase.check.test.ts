import { validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { describe, expect, it } from 'vitest';
import { loadCrypto } from '../crypto/load.ts';
import { codeOf } from '../testkit/error-code.ts';
import type { WorkspaceId } from '../ids.ts';
import { deriveBackupKeys } from './backup-key.ts';
import { checkRecoveryPhrase, checkWordsMatch, generateRecoveryPhrase, pickCheckPositions } from './recovery-phrase.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });
const cheap = { params: { opsLimit: 1, memLimit: 8192 } };

describe('recovery phrase', () => {
  it('is 12 valid BIP39 English words from the provider randomness, different each time', () => {
    const a = generateRecoveryPhrase(crypto);
    const b = generateRecoveryPhrase(crypto);
    expect(a.split(' ')).toHaveLength(12);
    expect(validateMnemonic(a, wordlist)).toBe(true);
    expect(a).not.toBe(b);
  });

  it('accepts the phrase typed loosely, and names what is wrong with a bad one', () => {
    const p = generateRecoveryPhrase(crypto);
    expect(checkRecoveryPhrase(`  ${p.toUpperCase().replaceAll(' ', '\n  ')} `)).toBe(p);
    const words = p.split(' ');
    expect(() => checkRecoveryPhrase(words.slice(0, 11).join(' '))).toThrow(/12 words; this one has 11/);
    expect(() => checkRecoveryPhrase([...words.slice(0, 3), 'qwzx', ...words.slice(4)].join(' '))).toThrow(/word 4 .*"qwzx"/);
    // Swapping two different words keeps every word valid but breaks the checksum (almost always: pick a pair that does).
    const swapped = [...words];
    let i = 0;
    for (; i < 11; i++) {
      [swapped[i], swapped[i + 1]] = [words[i + 1]!, words[i]!];
      if (words[i] !== words[i + 1] && !validateMnemonic(swapped.join(' '), wordlist)) break;
      [swapped[i], swapped[i + 1]] = [words[i]!, words[i + 1]!];
    }
    if (i < 11) expect(codeOf(() => checkRecoveryPhrase(swapped.join(' ')))).toBe('E_BAD_INPUT');
  });

  it('asks back distinct positions and checks the answers', () => {
    const p = generateRecoveryPhrase(crypto);
    const words = p.split(' ');
    for (let n = 0; n < 20; n++) {
      const pos = pickCheckPositions(crypto, 3);
      expect(new Set(pos).size).toBe(3);
      expect(pos.every((x) => x >= 0 && x < 12)).toBe(true);
      expect(checkWordsMatch(p, new Map(pos.map((x) => [x, ` ${words[x]!.toUpperCase()} `])))).toBe(true);
      expect(checkWordsMatch(p, new Map(pos.map((x, k) => [x, k === 1 ? words[(x + 1) % 12]! + 'x' : words[x]!])))).toBe(false);
    }
  });

  it('derives keys that depend on the phrase and on the workspace', async () => {
    const p = generateRecoveryPhrase(crypto);
    const ws1 = 'w1w1w1w1w1w1w1w1w1w1w1' as WorkspaceId;
    const ws2 = 'w2w2w2w2w2w2w2w2w2w2w2' as WorkspaceId;
    const a = await deriveBackupKeys(crypto, p, ws1, cheap);
    const again = await deriveBackupKeys(crypto, p, ws1, cheap);
    const other = await deriveBackupKeys(crypto, p, ws2, cheap);
    const wrong = await deriveBackupKeys(crypto, generateRecoveryPhrase(crypto), ws1, cheap);
    expect(a.chunk.expose()).toEqual(again.chunk.expose());
    expect(a.fingerprint).toBe(again.fingerprint);
    expect(a.chunk.expose()).not.toEqual(other.chunk.expose());
    expect(a.chunk.expose()).not.toEqual(wrong.chunk.expose());
    expect(a.chunk.expose()).not.toEqual(a.nonce.expose());
    expect(a.manifest.expose()).not.toEqual(a.chunk.expose());
  });
});
