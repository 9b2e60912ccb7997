/**
 * Attachments of a user turn: references only. The bytes are sealed on the device under the chat's
 * keys and stored at the relay as a blob (blobs/attachment-seal.ts, docs/PROTOCOL.md section 13); the
 * message holds, per attachment, the blob id, the file's name, media type and plaintext size, sealed
 * inside the chat's envelopes like every other field. Added to schema 1 as an optional message field:
 * older readers ignore it. Images go to vision models, text files into the context.
 */
import { isRecord } from './fields.ts';

/** The most one attachment may hold, before sealing (stated in the composer). */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** The most attachments one message may carry. */
export const MAX_ATTACHMENTS = 10;
const MAX_NAME = 200;

/** Image types every vision provider takes. */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;

export interface ChatAttachment {
  /** The sealed blob's id: SHA-256 hex of the sealed bytes. */
  readonly blob: string;
  readonly name: string;
  /** Media type: an image type of IMAGE_TYPES, or text/* (and application/json). */
  readonly mime: string;
  /** Plaintext bytes. */
  readonly size: number;
}

export const isImageAttachment = (a: { mime: string }): boolean => (IMAGE_TYPES as readonly string[]).includes(a.mime);
export const isTextAttachment = (a: { mime: string }): boolean => /^text\/[a-z0-9.+-]+$/.test(a.mime) || a.mime === 'application/json';

/** Why a file cannot be attached, or undefined when it can. */
export function attachmentProblem(a: { name: unknown; mime: unknown; size: unknown }): string | undefined {
  if (typeof a.name !== 'string' || a.name.trim() === '' || a.name.length > MAX_NAME) return `a file name has 1 to ${MAX_NAME} characters`;
  if (typeof a.mime !== 'string' || !(isImageAttachment({ mime: a.mime }) || isTextAttachment({ mime: a.mime }))) {
    return `${a.name}: only images (PNG, JPEG, GIF, WebP) and text files can be attached`;
  }
  if (typeof a.size !== 'number' || !Number.isSafeInteger(a.size) || a.size < 0) return `${a.name}: size is not a byte count`;
  if (a.size > MAX_ATTACHMENT_BYTES) return `${a.name} is ${(a.size / 1024 / 1024).toFixed(1)} MB; attachments are at most 10 MB each`;
  return undefined;
}

function readAttachment(v: unknown): ChatAttachment | undefined {
  if (!isRecord(v)) return undefined;
  const { blob, name, mime, size } = v;
  if (typeof blob !== 'string' || !/^[0-9a-f]{64}$/.test(blob)) return undefined;
  if (attachmentProblem({ name, mime, size }) !== undefined) return undefined;
  return { blob, name: name as string, mime: mime as string, size: size as number };
}

/** The valid attachments of a stored value (others are skipped), or undefined when there are none. */
export function readAttachments(v: unknown): ChatAttachment[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out = v.slice(0, MAX_ATTACHMENTS).flatMap((a) => readAttachment(a) ?? []);
  return out.length > 0 ? out : undefined;
}

/** Checks attachments to write; returns them as plain records. Throws the reason as `fail` makes it. */
export function checkAttachments(list: unknown, fail: (why: string) => never): ChatAttachment[] {
  if (!Array.isArray(list) || list.length > MAX_ATTACHMENTS) fail(`attachments: at most ${MAX_ATTACHMENTS} per message`);
  return (list as unknown[]).map((a) => {
    const read = readAttachment(a);
    if (!read) fail(isRecord(a) ? (attachmentProblem({ name: a.name, mime: a.mime, size: a.size }) ?? 'attachments: a blob id is 64 hex digits') : 'attachments: not a record');
    return read;
  });
}
