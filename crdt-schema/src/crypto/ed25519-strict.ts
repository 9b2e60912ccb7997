/**
 * Strict Ed25519 pre-checks, so every verifier agrees with libsodium.
 *
 * libsodium refuses signatures whose S is not reduced, whose R or public key
 * is a small-order point, or whose public key is a non-canonical encoding.
 * OpenSSL (node:crypto) and WebCrypto run the same cofactorless equation but
 * skip some of these checks: a member holding a real key could then craft a
 * signature (R = identity, S = k*a) that Node peers accept and browser peers
 * reject, and their documents would diverge. These byte checks close that gap
 * before a native verifier runs; the equation itself is identical.
 */

/** The group order L, little-endian. */
const L = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

const ff = (first: number, last: number): Uint8Array => {
  const b = new Uint8Array(32).fill(0xff);
  b[0] = first;
  b[31] = last;
  return b;
};

/** Encodings of the small-order points (libsodium `ge25519_has_small_order`), compared without the sign bit. */
const SMALL_ORDER: readonly Uint8Array[] = [
  new Uint8Array(32), // y = 0, order 4
  Uint8Array.from([1, ...new Array<number>(31).fill(0)]), // identity, order 1
  Uint8Array.from([
    0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
    0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
  ]), // order 8
  Uint8Array.from([
    0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
    0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
  ]), // order 8
  ff(0xec, 0x7f), // p - 1, order 2
  ff(0xed, 0x7f), // p (non-canonical 0), order 4
  ff(0xee, 0x7f), // p + 1 (non-canonical 1), order 1
];

/** True when the 32-byte little-endian scalar is below L. */
export function isCanonicalScalar(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (s[i]! < L[i]!) return true;
    if (s[i]! > L[i]!) return false;
  }
  return false;
}

/** True when the point encoding is one of the small-order points, ignoring the x sign bit. */
export function hasSmallOrder(p: Uint8Array): boolean {
  outer: for (const bad of SMALL_ORDER) {
    for (let i = 0; i < 31; i++) if (p[i] !== bad[i]) continue outer;
    if ((p[31]! & 0x7f) === bad[31]) return true;
  }
  return false;
}

/** True when y < p = 2^255 - 19 (libsodium `ge25519_is_canonical`). */
export function isCanonicalPoint(p: Uint8Array): boolean {
  if ((p[31]! & 0x7f) !== 0x7f) return true;
  for (let i = 30; i > 0; i--) if (p[i] !== 0xff) return true;
  return p[0]! < 0xed;
}

/** Everything libsodium checks before the curve equation; false means "reject". */
export function passesStrictChecks(signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  if (!isCanonicalScalar(signature.subarray(32))) return false;
  if (hasSmallOrder(signature.subarray(0, 32))) return false;
  return isCanonicalPoint(publicKey) && !hasSmallOrder(publicKey);
}
