/**
 * A failed reply's error, laid out for reading: the first failure as the
 * headline (for a fallback chain, the provider tried first and why: usually
 * the real cause), its error code beside it, and the providers tried after it
 * below, in order.
 */
import { ERROR_THEN } from '@tendril/crdt-schema/schema';

export interface ReplyError {
  readonly lead: string;
  readonly code?: string;
  readonly then: readonly string[];
}

const CODE = /\s*\[(E_[A-Z0-9_]+)\]$/;

export function replyError(text: string): ReplyError {
  const code = CODE.exec(text)?.[1];
  const [lead = '', ...then] = (code ? text.replace(CODE, '') : text).split(ERROR_THEN);
  return { lead, ...(code ? { code } : {}), then };
}
