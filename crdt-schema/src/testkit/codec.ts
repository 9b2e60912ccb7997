/**
 * The codec every test message passes through on its way between peers. The
 * default appends a SHA-256 checksum so corruption on the way is detected and
 * the message dropped (and resent). The real encrypted envelope plugs in here
 * too (envelope-codec.ts): it throws from open() on any tampering, and
 * answers null for a replay the receiver already applied.
 */
import { createHash } from 'node:crypto';
import { TendrilError } from '../errors.ts';

export interface Codec {
  /** Wraps plaintext bytes for the wire, sent by peer `from`. */
  seal(bytes: Uint8Array, from: number): Uint8Array;
  /**
   * Unwraps for peer `to`; throws on anything that was not sealed as is
   * (E_COUNTER_GAP: not yet, try again later). Null: a replay of what `to`
   * already applied, dropped.
   */
  open(bytes: Uint8Array, to: number): Uint8Array | null;
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
