/**
 * `loadCrypto()`: a ready provider for the platform it runs on. libsodium
 * does everything; in Node, Ed25519 verification moves to node:crypto when a
 * short calibration shows it is faster, and `verifyMany` runs on libuv's
 * thread pool. In browsers with WebCrypto Ed25519, `verifyMany` uses it.
 * Every verifier applies libsodium's strict rules, so the choice never
 * changes a verdict, only its cost. Also in Node, XChaCha20-Poly1305 of
 * payloads from 4 KiB up goes through node:crypto (node-xchacha.ts), which
 * gives the same bytes and the same refusals three times as fast.
 */
import sodium from 'libsodium-wrappers-sumo';
import { createNodeEd25519, type NodeCryptoModule, type NodeEd25519 } from './node-ed25519.ts';
import { createNodeXChaCha, NODE_XCHACHA_MIN_BYTES, type HChaCha20, type NodeCipherModule } from './node-xchacha.ts';
import type { CryptoProvider } from './provider.ts';
import { createSodiumCrypto, type SodiumModule } from './sodium.ts';
import { createWebCryptoVerifyMany, webCryptoHasEd25519 } from './webcrypto-ed25519.ts';

/** Which verifier serves the synchronous `verify`. */
export type Ed25519Choice = 'auto' | 'sodium' | 'node';

/** Which implementation seals and opens XChaCha20-Poly1305 payloads. */
export type AeadChoice = 'auto' | 'sodium';

/** node:crypto, or the parts of it the Node implementations use. */
export type NodeCryptoParts = NodeCryptoModule & NodeCipherModule;

export interface LoadCryptoOptions {
  /** `auto` (default) calibrates; `node` falls back to libsodium outside Node. */
  ed25519?: Ed25519Choice;
  /**
   * `auto` (default): in Node, payloads of `NODE_XCHACHA_MIN_BYTES` and more go
   * through node:crypto, smaller ones and everything elsewhere through libsodium.
   * `sodium`: libsodium only.
   */
  aead?: AeadChoice;
  /**
   * The libsodium module to use, e.g. `libsodium-wrappers-sumo` for Argon2id
   * (passphrase.ts). Defaults to the `libsodium-wrappers-sumo` build, which has Argon2id.
   */
  sodium?: SodiumModule;
  /**
   * node:crypto; by default imported when running in Node. `null` loads the
   * provider a browser gets. Tests pass a wrapper to count what reaches it.
   */
  nodeCrypto?: NodeCryptoParts | null;
}

const CALIBRATION_ROUNDS = 48;

function perVerify(verify: CryptoProvider['verify'], sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): number {
  const t0 = performance.now();
  for (let i = 0; i < CALIBRATION_ROUNDS; i++) verify(sig, msg, pk);
  return (performance.now() - t0) / CALIBRATION_ROUNDS;
}

/** True when node:crypto verifies faster than libsodium here (best of two runs each, after warm-up). */
function nodeIsFaster(base: CryptoProvider, node: NodeEd25519): boolean {
  const kp = base.signKeyPair();
  const msg = base.randomBytes(256);
  const sig = base.sign(msg, kp.secretKey);
  if (!node.verify(sig, msg, kp.publicKey)) return false;
  perVerify(base.verify, sig, msg, kp.publicKey);
  perVerify(node.verify, sig, msg, kp.publicKey);
  const s = Math.min(perVerify(base.verify, sig, msg, kp.publicKey), perVerify(base.verify, sig, msg, kp.publicKey));
  const n = Math.min(perVerify(node.verify, sig, msg, kp.publicKey), perVerify(node.verify, sig, msg, kp.publicKey));
  return n < s;
}

/** libsodium's HChaCha20 where the build has it (the wrappers' type definitions leave it out). */
function sodiumHChaCha20(lib: SodiumModule): HChaCha20 | null {
  type Core = (input: Uint8Array, key: Uint8Array, constant: null) => Uint8Array;
  const core = (lib as Partial<Record<'crypto_core_hchacha20', Core>>).crypto_core_hchacha20;
  return typeof core === 'function' ? (input, key) => core(input, key, null) : null;
}

/** `base` with payloads of `NODE_XCHACHA_MIN_BYTES` and more sealed and opened by node:crypto. */
function withNodeAead(base: CryptoProvider, nodeCrypto: NodeCipherModule, hchacha20: HChaCha20): CryptoProvider {
  const node = createNodeXChaCha(nodeCrypto, hchacha20);
  return {
    ...base,
    name: `${base.name}+node-xchacha`,
    aeadSeal: (plaintext, ad, nonce, key) =>
      plaintext.length >= NODE_XCHACHA_MIN_BYTES ? node.seal(plaintext, ad, nonce, key) : base.aeadSeal(plaintext, ad, nonce, key),
    aeadSealInto(parts, ad, nonce, key, out, at) {
      let length = 0;
      for (const p of parts) length += p.length;
      if (length >= NODE_XCHACHA_MIN_BYTES) node.sealInto(parts, ad, nonce, key, out, at);
      else base.aeadSealInto(parts, ad, nonce, key, out, at);
    },
    aeadOpen: (ciphertext, ad, nonce, key) =>
      ciphertext.length >= NODE_XCHACHA_MIN_BYTES ? node.open(ciphertext, ad, nonce, key) : base.aeadOpen(ciphertext, ad, nonce, key),
  };
}

async function importNodeCrypto(): Promise<NodeCryptoParts | null> {
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  if (!isNode) return null;
  const specifier = 'node:crypto';
  try {
    return (await import(/* @vite-ignore */ specifier)) as NodeCryptoParts;
  } catch {
    return null;
  }
}

/** Loads libsodium and returns the fastest strict provider for this platform. */
export async function loadCrypto(options: LoadCryptoOptions = {}): Promise<CryptoProvider> {
  const lib = options.sodium ?? sodium;
  await lib.ready;
  const choice = options.ed25519 ?? 'auto';
  const aead = options.aead ?? 'auto';
  const sodiumOnly = createSodiumCrypto(lib);
  if (choice === 'sodium' && aead === 'sodium') return sodiumOnly;

  const nodeCrypto = options.nodeCrypto !== undefined ? options.nodeCrypto : await importNodeCrypto();
  const hchacha20 = sodiumHChaCha20(lib);
  const base = aead === 'auto' && nodeCrypto !== null && hchacha20 !== null ? withNodeAead(sodiumOnly, nodeCrypto, hchacha20) : sodiumOnly;
  if (choice === 'sodium') return base;

  if (nodeCrypto !== null) {
    const node = createNodeEd25519(nodeCrypto);
    const useNode = choice === 'node' || nodeIsFaster(base, node);
    return {
      ...base,
      name: `${base.name}+${useNode ? 'node-ed25519' : 'node-ed25519-batch'}`,
      verify: useNode ? node.verify : base.verify,
      verifyMany: node.verifyMany,
    };
  }
  const subtle = globalThis.crypto?.subtle;
  if (subtle !== undefined && (await webCryptoHasEd25519(subtle))) {
    return { ...base, name: `${base.name}+webcrypto-batch`, verifyMany: createWebCryptoVerifyMany(subtle) };
  }
  return base;
}
