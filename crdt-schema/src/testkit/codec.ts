/**
 * The codec every test message passes through on its way between peers. The
 * default appends a SHA-256 checksum so corruption on the way is detected and
 * the message dropped (and resent). The real encrypted envelope plugs in here
 * later: it too must throw from open() on any tampering.
 */
import { createHash } from 'node:crypto';
import { TendrilError } from '../errors.ts';

export interface Codec {
  /** Wraps plaintext bytes for the wire. */
  seal(bytes: Uint8Array): Uint8Array;
  /** Unwraps; throws on anything that was not sealed as is. */
  open(bytes: Uint8Array): Uint8Array;
}

const SUM = 32;

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

/** bytes || SHA-256(bytes). Detects accidental corruption (not an attacker: there is no key). */
export function checksumCodec(): Codec {
  return {
    seal(bytes) {
      const out = new Uint8Array(bytes.length + SUM);
      out.set(bytes);
      out.set(sha256(bytes), bytes.length);
      return out;
    },
    open(bytes) {
      if (bytes.length < SUM) throw new TendrilError('E_ENVELOPE_MALFORMED', 'message shorter than its checksum');
      const body = bytes.subarray(0, bytes.length - SUM);
      const sum = sha256(body);
      for (let i = 0; i < SUM; i++) {
        if (sum[i] !== bytes[body.length + i]) throw new TendrilError('E_DECRYPT_FAILED', 'checksum mismatch: message corrupted');
      }
      return body.slice();
    },
  };
}

/** Passes bytes through untouched: corruption goes undetected (for proving a test can fail). */
export function identityCodec(): Codec {
  return { seal: (b) => b.slice(), open: (b) => b.slice() };
}
