import * as nodeCrypto from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { describe, expect, it } from 'vitest';
import { createPrng, testSeed } from '../testkit/prng.ts';
import { concatBytes } from './bytes.ts';
import { hasSmallOrder, isCanonicalPoint, isCanonicalScalar } from './ed25519-strict.ts';
import { loadCrypto } from './load.ts';
import { createNodeEd25519 } from './node-ed25519.ts';
import type { VerifyItem } from './provider.ts';
import { createSodiumCrypto } from './sodium.ts';
import { createWebCryptoVerifyMany, webCryptoHasEd25519 } from './webcrypto-ed25519.ts';

const seed = testSeed('crdt-schema/src/crypto/provider.verify.test.ts');
await sodium.ready;
const lib = createSodiumCrypto(sodium);
const node = createNodeEd25519(nodeCrypto);
const subtle = globalThis.crypto.subtle;
const webVerifyMany = (await webCryptoHasEd25519(subtle)) ? createWebCryptoVerifyMany(subtle) : null;

const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
/** OpenSSL's verdict with none of the strict pre-checks. */
const rawOpenSsl = (sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean =>
  nodeCrypto.verify(null, msg, nodeCrypto.createPublicKey({ key: Buffer.concat([SPKI, pk]), format: 'der', type: 'spki' }), sig);

const ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
const sha512 = (data: Uint8Array): Uint8Array => new Uint8Array(nodeCrypto.createHash('sha512').update(data).digest());
const leToBig = (b: Uint8Array): bigint => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);
const bigToLe32 = (n: bigint): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));

/** A signature with R = identity that a key holder can make: S = k * a, so [S]B - [k]A = identity. */
function identityRSignature(message: Uint8Array): { sig: Uint8Array; pk: Uint8Array } {
  const kp = lib.signKeyPair();
  const a = sha512(kp.secretKey.subarray(0, 32)).slice(0, 32);
  a[0]! &= 248;
  a[31]! &= 127;
  a[31]! |= 64;
  const R = new Uint8Array(32);
  R[0] = 1;
  const k = leToBig(sha512(concatBytes(R, kp.publicKey, message))) % ORDER;
  const S = (k * leToBig(a)) % ORDER;
  return { sig: concatBytes(R, bigToLe32(S)), pk: kp.publicKey };
}

async function allVerdicts(items: VerifyItem[]): Promise<boolean[][]> {
  const out = [
    items.map((i) => lib.verify(i.signature, i.message, i.publicKey)),
    items.map((i) => node.verify(i.signature, i.message, i.publicKey)),
    await node.verifyMany(items),
    await lib.verifyMany(items),
  ];
  if (webVerifyMany !== null) out.push(await webVerifyMany(items));
  return out;
}

describe('Ed25519 verifiers agree with libsodium', () => {
  it('accept valid signatures and reject random corruptions alike', async () => {
    const prng = createPrng(seed);
    const items: VerifyItem[] = [];
    for (let i = 0; i < 200; i++) {
      const kp = lib.signKeyPair();
      const message = prng.bytes(prng.int(0, 300));
      const signature = lib.sign(message, kp.secretKey);
      const item = { signature, message, publicKey: kp.publicKey };
      if (prng.bool()) items.push(item);
      else {
        const which = prng.pick(['signature', 'message', 'publicKey'] as const);
        const bytes = item[which].slice();
        if (bytes.length === 0) continue;
        bytes[prng.int(0, bytes.length - 1)]! ^= 1 << prng.int(0, 7);
        items.push({ ...item, [which]: bytes });
      }
    }
    const verdicts = await allVerdicts(items);
    expect(verdicts[0]!.filter(Boolean).length).toBeGreaterThan(50);
    expect(verdicts[0]!.filter((v) => !v).length).toBeGreaterThan(50);
    for (const v of verdicts.slice(1)) expect(v).toEqual(verdicts[0]);
  });

  it('reject a small-order R that OpenSSL alone would accept', async () => {
    const message = new TextEncoder().encode('divergence');
    const { sig, pk } = identityRSignature(message);
    expect(rawOpenSsl(sig, message, pk)).toBe(true); // the gap is real
    const verdicts = await allVerdicts([{ signature: sig, message, publicKey: pk }]);
    for (const v of verdicts) expect(v).toEqual([false]);
  });

  it('reject a small-order public key with the trivial signature, and a non-reduced S', async () => {
    const message = new TextEncoder().encode('anything');
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const trivial = concatBytes(identity, new Uint8Array(32));
    expect(rawOpenSsl(trivial, message, identity)).toBe(true);
    const kp = lib.signKeyPair();
    const good = lib.sign(message, kp.secretKey);
    // S + L is the same scalar, unreduced: malleability libsodium refuses.
    const L = [0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, ...new Array<number>(15).fill(0), 0x10];
    const unreduced = good.slice();
    let carry = 0;
    for (let i = 0; i < 32; i++) {
      const s = unreduced[32 + i]! + L[i]! + carry;
      unreduced[32 + i] = s & 0xff;
      carry = s >> 8;
    }
    const items = [
      { signature: trivial, message, publicKey: identity },
      { signature: unreduced, message, publicKey: kp.publicKey },
      { signature: good, message, publicKey: kp.publicKey },
    ];
    for (const v of await allVerdicts(items)) expect(v).toEqual([false, false, true]);
  });

  it('block real small-order points: OpenSSL accepts the trivial signature under each, the strict verifiers do not', async () => {
    const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
    const y0 = new Uint8Array(32);
    const order8a = hex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05');
    const order8b = hex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');
    const negate = (p: Uint8Array): Uint8Array => Uint8Array.from(p, (b, i) => (i === 31 ? b | 0x80 : b));
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const trivial = concatBytes(identity, new Uint8Array(32));
    for (const point of [y0, negate(y0), order8a, negate(order8a), order8b, negate(order8b)]) {
      expect(hasSmallOrder(point)).toBe(true);
      // Find a message whose challenge k is a multiple of 8, so [k]P is the identity for any point of order <= 8.
      let message = new Uint8Array(0);
      for (let i = 0; ; i++) {
        message = new TextEncoder().encode(`m${i}`);
        if ((leToBig(sha512(concatBytes(identity, point, message))) % ORDER) % 8n === 0n) break;
      }
      expect(rawOpenSsl(trivial, message, point)).toBe(true);
      for (const v of await allVerdicts([{ signature: trivial, message, publicKey: point }])) expect(v).toEqual([false]);
    }
  });

  it('classify point and scalar encodings as libsodium does', () => {
    const prng = createPrng(seed + 1);
    for (let i = 0; i < 200; i++) {
      const p = lib.signKeyPair().publicKey;
      expect(isCanonicalPoint(p) && !hasSmallOrder(p)).toBe(true);
    }
    const order2 = new Uint8Array(32).fill(0xff);
    order2[0] = 0xec;
    order2[31] = 0x7f;
    expect(hasSmallOrder(order2)).toBe(true);
    expect(hasSmallOrder(Uint8Array.from(order2, (b, i) => (i === 31 ? b | 0x80 : b)))).toBe(true);
    const nonCanonical = order2.slice();
    nonCanonical[0] = 0xf0;
    expect(isCanonicalPoint(nonCanonical)).toBe(false);
    expect(isCanonicalScalar(new Uint8Array(32))).toBe(true);
    expect(isCanonicalScalar(new Uint8Array(32).fill(0xff))).toBe(false);
    expect(isCanonicalScalar(bigToLe32(ORDER - 1n))).toBe(true);
    expect(isCanonicalScalar(bigToLe32(ORDER))).toBe(false);
    for (let i = 0; i < 200; i++) {
      const scalar = prng.bytes(32);
      expect(isCanonicalScalar(scalar)).toBe(leToBig(scalar) < ORDER);
    }
  });

  it('loadCrypto gives a working provider whichever verifier it picked', async () => {
    for (const choice of ['auto', 'sodium', 'node'] as const) {
      const crypto = await loadCrypto({ ed25519: choice });
      const kp = crypto.signKeyPair();
      const message = crypto.randomBytes(64);
      const signature = crypto.sign(message, kp.secretKey);
      expect(crypto.verify(signature, message, kp.publicKey)).toBe(true);
      expect(crypto.verify(signature, crypto.randomBytes(64), kp.publicKey)).toBe(false);
      expect(await crypto.verifyMany([{ signature, message, publicKey: kp.publicKey }])).toEqual([true]);
      if (choice === 'sodium') expect(crypto.name).toBe('libsodium+node-xchacha');
      if (choice === 'node') expect(crypto.name).toBe('libsodium+node-xchacha+node-ed25519');
    }
  });
});
