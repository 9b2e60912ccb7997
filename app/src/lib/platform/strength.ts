/**
 * How strong a chosen backup passphrase is, by zxcvbn-ts (dictionaries of
 * common passwords, names and English words, keyboard patterns, l33t): a
 * passphrase that protects every key of the workspace must score at least 3
 * of 4 ("safely unguessable"), not merely be long. The estimator is built
 * once, on first use, so pages that never ask pay nothing.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { TendrilError } from '@tendril/crdt-schema/errors';

/** The lowest zxcvbn score accepted for a backup passphrase. */
export const MIN_SCORE = 3;

export interface Strength {
  /** 0 (guessable at once) to 4 (very unguessable). */
  readonly score: number;
  readonly ok: boolean;
  /** What to change, in a sentence, when it is not ok. */
  readonly advice: string;
}

let estimator: ZxcvbnFactory | null = null;

function zxcvbn(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({ dictionary: { ...common.dictionary, ...en.dictionary }, graphs: common.adjacencyGraphs, translations: en.translations });
  return estimator;
}

/** The strength of `passphrase`; `context` are words an attacker would try first (workspace and device names). */
export function passphraseStrength(passphrase: string, context: readonly string[] = []): Strength {
  if (passphrase.length === 0) return { score: 0, ok: false, advice: 'Type a passphrase.' };
  // Each name whole, without blanks and word by word: "Family Photos" is tried as all three.
  const inputs = context.flatMap((c) => [c, c.replace(/\s+/gu, ''), ...c.split(/\s+/u)]).map((c) => c.toLowerCase()).filter((c) => c.length > 0);
  const r = zxcvbn().check(passphrase.slice(0, 256), inputs);
  const advice = [r.feedback.warning, ...r.feedback.suggestions].filter((s): s is string => !!s).join(' ');
  const ok = r.score >= MIN_SCORE;
  return { score: r.score, ok, advice: ok ? '' : advice || 'Add more words that do not belong together.' };
}

/** `E_BAD_INPUT` with the estimator's advice when the passphrase is too weak. */
export function requireStrongPassphrase(passphrase: string, context: readonly string[] = []): void {
  const s = passphraseStrength(passphrase, context);
  if (!s.ok) throw new TendrilError('E_BAD_INPUT', `this passphrase is too easy to guess (strength ${s.score} of 4, at least ${MIN_SCORE} needed). ${s.advice}`);
}
