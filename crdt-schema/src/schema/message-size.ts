/**
 * How big a chat message may be. A message written in one piece (a typed
 * turn, an edit) travels as one update in one relay frame, so it is limited in
 * UTF-8 bytes to what fits in a frame with its envelope; the app checks the
 * same limit at the composer, so nothing typed is refused later. A streamed
 * reply arrives in many small updates and is limited only in length.
 */
import { DEFAULT_MAX_FRAME_BYTES } from '../wire/limits.ts';

/** The longest message content, in UTF-16 code units (what `string.length` counts). */
export const MAX_MESSAGE_CHARS = 1_000_000;

/** The largest message written in one piece, in UTF-8 bytes: a relay frame less room for the envelope and the update's own fields. */
export const MAX_WRITTEN_MESSAGE_BYTES = DEFAULT_MAX_FRAME_BYTES - 64 * 1024;

/** The UTF-8 size of a string, without encoding it. */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Why a message written in one piece is too big, or undefined when it fits. */
export function messageTooBig(text: string): { readonly bytes: number; readonly limit: number } | undefined {
  if (text.length <= MAX_WRITTEN_MESSAGE_BYTES / 4) return undefined; // fits whatever its characters
  const bytes = utf8Length(text);
  return bytes > MAX_WRITTEN_MESSAGE_BYTES ? { bytes, limit: MAX_WRITTEN_MESSAGE_BYTES } : undefined;
}
