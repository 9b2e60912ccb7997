/**
 * The checks every `aeadSealInto` makes before writing (provider.ts): the same refusals whichever
 * implementation seals.
 */
import { TendrilError } from '../errors.ts';
import { Sizes } from './provider.ts';

/**
 * The parts' total length, once `out` is known to hold their seal from `at` and to share no byte with
 * any part (the cipher would read a part after writing over it). Throws otherwise.
 */
export function checkSealInto(parts: readonly Uint8Array[], out: Uint8Array, at: number): number {
  let length = 0;
  for (const p of parts) length += p.length;
  if (!Number.isSafeInteger(at) || at < 0 || out.length - at < length + Sizes.aeadTag) throw new TendrilError('E_BAD_INPUT', 'the output is too short for the sealed bytes');
  const from = out.byteOffset + at;
  const to = from + length + Sizes.aeadTag;
  for (const p of parts) {
    if (p.length > 0 && p.buffer === out.buffer && p.byteOffset < to && from < p.byteOffset + p.length) throw new TendrilError('E_BAD_INPUT', 'a part to seal overlaps the output');
  }
  return length;
}
