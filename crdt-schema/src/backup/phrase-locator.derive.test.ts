import { describe, expect, it } from 'vitest';
import { loadCrypto } from '../crypto/load.ts';
import { codeOf } from '../testkit/error-code.ts';
import { newWorkspaceId } from '../ids.ts';
import { deriveBackupKeys } from './backup-key.ts';
import { phraseLocator } from './phrase-locator.ts';
import { generateRecoveryPhrase } from './recovery-phrase.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });
const cheap = { params: { opsLimit: 1, memLimit: 8192 } };

describe('phrase locator', () => {
  it('is the same for the phrase however it is typed, and differs between phrases', () => {
    const p = generateRecoveryPhrase(crypto);
    const a = phraseLocator(crypto, p);
    expect(phraseLocator(crypto, `  ${p.toUpperCase().replaceAll(' ', '\n ')} `).signPublicKey).toEqual(a.signPublicKey);
    expect(phraseLocator(crypto, generateRecoveryPhrase(crypto)).signPublicKey).not.toEqual(a.signPublicKey);
  });

  it('needs no workspace id and is none of the per-workspace reader identities', async () => {
    const p = generateRecoveryPhrase(crypto);
    const locator = phraseLocator(crypto, p);
    for (const ws of [newWorkspaceId(), newWorkspaceId()]) {
      expect((await deriveBackupKeys(crypto, p, ws, cheap)).reader.signPublicKey).not.toEqual(locator.signPublicKey);
    }
  });

  it('refuses a passphrase and a mistyped phrase', () => {
    expect(codeOf(() => phraseLocator(crypto, 'violet-harbour stairs ninety-seven umbrellas'))).toBe('E_BAD_INPUT');
    const words = generateRecoveryPhrase(crypto).split(' ');
    expect(codeOf(() => phraseLocator(crypto, [...words.slice(0, 11), 'zzzz'].join(' ')))).toBe('E_BAD_INPUT');
  });
});
