/** The TendrilError code a call throws, or 'ok' when it returns; any other exception propagates. */
import { isTendrilError, type ErrorCode } from '../errors.ts';

export function codeOf(fn: () => unknown): ErrorCode | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (isTendrilError(e)) return e.code;
    throw e;
  }
}
