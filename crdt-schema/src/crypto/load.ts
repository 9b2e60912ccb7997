/**
 * `loadCrypto()`: a ready provider for the platform it runs on. libsodium
 * does everything; in Node, Ed25519 verification moves to node:crypto when a
 * short calibration shows it is faster, and `verifyMany` runs on libuv's
 * thread pool. In browsers with WebCrypto Ed25519, `verifyMany` uses it.
 * Every verifier applies libsodium's strict rules, so the choice never
 * changes a verdict, only its cost.
 */
import sodium from 'libsodium-wrappers-sumo';
import { createNodeEd25519, type NodeCryptoModule, type NodeEd25519 } from './node-ed25519.ts';
import type { CryptoProvider } from './provider.ts';
import { createSodiumCrypto, type SodiumModule } from './sodium.ts';
import { createWebCryptoVerifyMany, webCryptoHasEd25519 } from './webcrypto-ed25519.ts';

/** Which verifier serves the synchronous `verify`. */
export type Ed25519Choice = 'auto' | 'sodium' | 'node';

export interface LoadCryptoOptions {
  /** `auto` (default) calibrates; `node` falls back to libsodium outside Node. */
  ed25519?: Ed25519Choice;
  /**
   * The libsodium module to use, e.g. `libsodium-wrappers-sumo` for Argon2id
   * (passphrase.ts). Defaults to the `libsodium-wrappers-sumo` build, which has Argon2id.
   */
  sodium?: SodiumModule;
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

async function importNodeCrypto(): Promise<NodeCryptoModule | null> {
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  if (!isNode) return null;
  const specifier = 'node:crypto';
  try {
    return (await import(/* @vite-ignore */ specifier)) as NodeCryptoModule;
  } catch {
    return null;
  }
}

/** Loads libsodium and returns the fastest strict provider for this platform. */
export async function loadCrypto(options: LoadCryptoOptions = {}): Promise<CryptoProvider> {
  const lib = options.sodium ?? sodium;
  await lib.ready;
  const base = createSodiumCrypto(lib);
  const choice = options.ed25519 ?? 'auto';
  if (choice === 'sodium') return base;

  const nodeCrypto = await importNodeCrypto();
  if (nodeCrypto !== null) {
    const node = createNodeEd25519(nodeCrypto);
    const useNode = choice === 'node' || nodeIsFaster(base, node);
    return {
      ...base,
      name: useNode ? 'libsodium+node-ed25519' : 'libsodium+node-ed25519-batch',
      verify: useNode ? node.verify : base.verify,
      verifyMany: node.verifyMany,
    };
  }
  const subtle = globalThis.crypto?.subtle;
  if (subtle !== undefined && (await webCryptoHasEd25519(subtle))) {
    return { ...base, name: 'libsodium+webcrypto-batch', verifyMany: createWebCryptoVerifyMany(subtle) };
  }
  return base;
}
