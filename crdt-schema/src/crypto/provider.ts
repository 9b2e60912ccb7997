/**
 * The crypto provider: every primitive Tendril uses, behind one interface
 * that is passed into each function needing crypto. Nothing in the shared
 * core holds a crypto singleton, so tests, browsers and Node pick their own
 * implementation (see sodium.ts and load.ts).
 *
 * Failures to authenticate return `null`/`false` rather than throwing: the
 * caller knows which error code the failure means in its context.
 */

/** A public/secret key pair as raw bytes. */
export interface KeyPair {
  readonly publicKey: Uint8Array;
  /** Ed25519: 64 bytes (seed || public key, libsodium layout). X25519: 32 bytes. */
  readonly secretKey: Uint8Array;
}

/** One detached Ed25519 signature check. */
export interface VerifyItem {
  readonly signature: Uint8Array;
  readonly message: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** Argon2id cost parameters. */
export interface PwhashParams {
  /** Passes over memory (Argon2 t). */
  readonly opsLimit: number;
  /** Memory in bytes (Argon2 m). */
  readonly memLimit: number;
}

export interface CryptoProvider {
  /** Which implementations are in use, e.g. `libsodium` or `libsodium+node-ed25519`. */
  readonly name: string;
  /** Bytes from the platform CSPRNG (crypto.getRandomValues). */
  randomBytes(n: number): Uint8Array;

  /** Ed25519 key pair, from a 32-byte seed when given. */
  signKeyPair(seed?: Uint8Array): KeyPair;
  /** Detached Ed25519 signature (64 bytes). */
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /**
   * Strict Ed25519 verification with libsodium semantics: canonical S,
   * canonical non-small-order public key, non-small-order R. Never throws.
   */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  /** The same check for many signatures at once, off the calling thread where the platform allows. */
  verifyMany(items: readonly VerifyItem[]): Promise<boolean[]>;

  /** X25519 key pair, from a 32-byte seed when given. */
  boxKeyPair(seed?: Uint8Array): KeyPair;
  /** The X25519 public key of a secret key (scalar multiplication by the base point). */
  boxPublicKey(secretKey: Uint8Array): Uint8Array;
  /** Anonymous sealed box (crypto_box_seal) to an X25519 public key. */
  boxSeal(message: Uint8Array, recipientPublicKey: Uint8Array): Uint8Array;
  /** Opens a sealed box; null when it was not sealed to this key pair or was altered. */
  boxSealOpen(ciphertext: Uint8Array, recipient: KeyPair): Uint8Array | null;

  /** XChaCha20-Poly1305-IETF with associated data; `nonce` has 24 bytes, `key` 32. */
  aeadSeal(plaintext: Uint8Array, associatedData: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  /**
   * {@link aeadSeal} of the concatenation of `parts`, written into `out` from `at` (ciphertext then tag:
   * the parts' total length plus 16 bytes) instead of a new array, so a caller framing a large payload
   * (a terminal output batch behind its header) copies it once. Throws when `out` is too short or
   * shares a byte with a part.
   */
  aeadSealInto(parts: readonly Uint8Array[], associatedData: Uint8Array, nonce: Uint8Array, key: Uint8Array, out: Uint8Array, at: number): void;
  /** Null when the ciphertext, associated data, nonce or key do not authenticate. */
  aeadOpen(ciphertext: Uint8Array, associatedData: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null;

  /** BLAKE2b of `length` bytes (16..64), keyed when `key` (16..64 bytes) is given. */
  hash(data: Uint8Array, length?: number, key?: Uint8Array): Uint8Array;
  /**
   * Derives a subkey bound to `context`: BLAKE2b keyed with `key` over the
   * context string. Distinct contexts give independent keys.
   */
  kdf(key: Uint8Array, context: string, length?: number): Uint8Array;
  /** Argon2id13 of `passphrase` (UTF-8) with a 16-byte salt; throws `E_BAD_INPUT` where Argon2id is unavailable. */
  pwhash(passphrase: Uint8Array, salt: Uint8Array, params: PwhashParams, length: number): Uint8Array;
}

/** Sizes fixed by the primitives. */
export const Sizes = {
  signPublicKey: 32,
  signSecretKey: 64,
  signSeed: 32,
  signature: 64,
  boxPublicKey: 32,
  boxSecretKey: 32,
  aeadKey: 32,
  aeadNonce: 24,
  aeadTag: 16,
  boxSealOverhead: 48,
  pwhashSalt: 16,
} as const;
