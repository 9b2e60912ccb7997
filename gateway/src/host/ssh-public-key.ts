/**
 * Strict parsing of an OpenSSH public key line and of a key's label, before
 * either goes near authorized_keys. The line comes from a member's request,
 * so it is hostile until shown otherwise: no options (an `authorized_keys`
 * line may start with `command="..."`, which would turn a key into a shell
 * for anything), no control characters or line breaks (a second line would
 * be a second key), only the known key types, base64 that decodes to a key
 * blob whose own type field names the same type. The key's own comment is
 * dropped; the label the member chose is kept instead, from a narrow
 * alphabet.
 */
import { createHash } from 'node:crypto';
import { TendrilError } from '@tendril/crdt-schema/errors';

export const KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/** A larger blob is no real key (an RSA-16384 key is about 2 KiB). */
const MAX_BLOB_BYTES = 8192;
const MAX_LINE_CHARS = 16_384;
export const MAX_LABEL_CHARS = 64;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9 ._@+()-]*$/;

export interface PublicKey {
  readonly type: KeyType;
  /** The base64 key blob exactly as it goes into the file. */
  readonly base64: string;
  /** `SHA256:...`, as `ssh-keygen -l` prints it. */
  readonly fingerprint: string;
}

const bad = (why: string): never => {
  throw new TendrilError('E_BAD_INPUT', why);
};

/** Parses `TYPE BASE64 [comment]`; E_BAD_INPUT says what is wrong. */
export function parsePublicKey(line: string): PublicKey {
  if (typeof line !== 'string' || line.length === 0) bad('the public key is empty');
  if (line.length > MAX_LINE_CHARS) bad('the public key line is too long');
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(line)) bad('the public key has a line break or a control character');
  const parts = line.trim().split(/[ \t]+/);
  const [type, base64] = parts;
  if (!(KEY_TYPES as readonly string[]).includes(type!)) {
    bad(`the line must start with a key type (${KEY_TYPES.join(', ')}); options such as command="..." are not accepted`);
  }
  if (base64 === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) bad('the key is not base64');
  const blob = Buffer.from(base64!, 'base64');
  if (blob.length === 0 || blob.length > MAX_BLOB_BYTES || blob.toString('base64') !== base64) bad('the key is not canonical base64');
  if (blob.length < 4) bad('the key blob is truncated');
  const nameLength = blob.readUInt32BE(0);
  if (nameLength > 64 || 4 + nameLength > blob.length || blob.subarray(4, 4 + nameLength).toString('latin1') !== type) {
    bad(`the key blob does not hold a ${type} key`);
  }
  return { type: type as KeyType, base64: base64!, fingerprint: fingerprintOf(base64!) };
}

/** `SHA256:...` of a base64 key blob, as `ssh-keygen -l` prints it. */
export function fingerprintOf(base64: string): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(base64, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/** A label as it may stand in the file: letters, digits, space and `._@+()-`, at most 64 characters. */
export function checkLabel(label: string): string {
  const t = typeof label === 'string' ? label.trim() : '';
  if (t.length === 0 || t.length > MAX_LABEL_CHARS || !LABEL.test(t)) {
    bad(`a label is 1 to ${MAX_LABEL_CHARS} characters of letters, digits, space and ._@+()- (starting with a letter or digit)`);
  }
  return t;
}
