/**
 * The 12-word recovery phrase: 128 bits from the injected CRYPTO provider,
 * written as BIP39 English words (@scure/bip39) so a person can copy it onto
 * paper and type it back. The words carry a checksum, so a typo is caught
 * before Argon2id runs and before anything is asked of the relay.
 */
import { entropyToMnemonic, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { TendrilError } from '../errors.ts';
import type { CryptoProvider } from '../crypto/provider.ts';

export const RECOVERY_WORDS = 12;

/** A fresh phrase: 12 words separated by single spaces. */
export function generateRecoveryPhrase(crypto: CryptoProvider): string {
  return entropyToMnemonic(crypto.randomBytes(16), wordlist);
}

/** Lower case, single spaces, no surrounding blanks: how a typed phrase is compared and hashed. */
export function normalizeRecoveryPhrase(typed: string): string {
  return typed.normalize('NFKD').trim().toLowerCase().split(/\s+/u).join(' ');
}

/** True when the text looks like an attempt at a phrase (12 words) rather than a passphrase. */
export function looksLikeRecoveryPhrase(typed: string): boolean {
  return normalizeRecoveryPhrase(typed).split(' ').length === RECOVERY_WORDS && /^[a-z ]+$/u.test(normalizeRecoveryPhrase(typed));
}

/** The normalized phrase, or `E_BAD_INPUT` naming what is wrong (count, unknown word, checksum). */
export function checkRecoveryPhrase(typed: string): string {
  const phrase = normalizeRecoveryPhrase(typed);
  const words = phrase === '' ? [] : phrase.split(' ');
  if (words.length !== RECOVERY_WORDS) throw new TendrilError('E_BAD_INPUT', `a recovery phrase has ${RECOVERY_WORDS} words; this one has ${words.length}`);
  const unknown = words.findIndex((w) => !wordlist.includes(w));
  if (unknown >= 0) throw new TendrilError('E_BAD_INPUT', `word ${unknown + 1} of the recovery phrase ("${words[unknown]}") is not a recovery word: check its spelling`);
  if (!validateMnemonic(phrase, wordlist)) throw new TendrilError('E_BAD_INPUT', 'the recovery phrase does not check out: a word is wrong or two are swapped');
  return phrase;
}

/**
 * Which words to ask for back (0-based positions, ascending) so the person shows they wrote the
 * phrase down: `count` distinct positions drawn with the injected randomness.
 */
export function pickCheckPositions(crypto: CryptoProvider, count = 3): number[] {
  const left = Array.from({ length: RECOVERY_WORDS }, (_, i) => i);
  const picked: number[] = [];
  while (picked.length < count) {
    const r = crypto.randomBytes(1)[0]!;
    // Rejection sampling: accept only bytes below the largest multiple of the pool size.
    if (r >= 256 - (256 % left.length)) continue;
    picked.push(left.splice(r % left.length, 1)[0]!);
  }
  return picked.sort((a, b) => a - b);
}

/** Whether the typed words match the phrase at those positions (case and blanks ignored). */
export function checkWordsMatch(phrase: string, answers: ReadonlyMap<number, string>): boolean {
  const words = normalizeRecoveryPhrase(phrase).split(' ');
  return [...answers].every(([i, typed]) => words[i] === normalizeRecoveryPhrase(typed));
}
