/**
 * Measures Ed25519 verification and envelope opening on this machine:
 * libsodium (WASM) against node:crypto, one by one and batched, and what a
 * cold load of many envelopes costs through openEnvelope and openMany.
 * Usage: `npx tsx crdt-schema/scripts/measure-verify.ts [envelopes=20000]`
 */
import * as nodeCrypto from 'node:crypto';
import { availableParallelism } from 'node:os';
import sodium from 'libsodium-wrappers-sumo';
import { newDocId } from '../src/ids.ts';
import { createDocKeys, currentDocKey, docKeyFor } from '../src/crypto/doc-keys.ts';
import { generateDeviceIdentity } from '../src/crypto/keys.ts';
import { loadCrypto } from '../src/crypto/load.ts';
import { createNodeEd25519 } from '../src/crypto/node-ed25519.ts';
import type { VerifyItem } from '../src/crypto/provider.ts';
import { secret } from '../src/crypto/secret.ts';
import { createSodiumCrypto } from '../src/crypto/sodium.ts';
import { createWebCryptoVerifyMany } from '../src/crypto/webcrypto-ed25519.ts';
import { createCounterTracker } from '../src/envelope/counters.ts';
import { EnvelopeKind } from '../src/envelope/header.ts';
import { openEnvelope } from '../src/envelope/open.ts';
import { localVerifiedTag, openMany } from '../src/envelope/open-many.ts';
import { sealEnvelope } from '../src/envelope/seal.ts';

const N = Number(process.argv[2] ?? 20000);
await sodium.ready;
const lib = createSodiumCrypto(sodium);
const node = createNodeEd25519(nodeCrypto);
const auto = await loadCrypto();

const usPer = (ms: number, n: number): string => `${((ms * 1000) / n).toFixed(1)} us`;
async function time(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const kp = lib.signKeyPair();
const items: VerifyItem[] = Array.from({ length: Math.min(N, 5000) }, () => {
  const message = lib.randomBytes(200);
  return { message, signature: lib.sign(message, kp.secretKey), publicKey: kp.publicKey };
});
const M = items.length;
for (let round = 0; round < 2; round++) {
  const s = await time(() => items.forEach((i) => lib.verify(i.signature, i.message, i.publicKey)));
  const n = await time(() => items.forEach((i) => node.verify(i.signature, i.message, i.publicKey)));
  const nm = await time(() => node.verifyMany(items));
  const wm = await time(() => createWebCryptoVerifyMany(globalThis.crypto.subtle)(items));
  if (round === 1) {
    console.log(`node ${process.versions.node}, ${availableParallelism()} cores, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? 4}, loadCrypto picked ${auto.name}`);
    console.log(`Ed25519 verify, ${M} signatures of 200 bytes:`);
    console.log(`  libsodium (WASM), one by one:     ${usPer(s, M)}`);
    console.log(`  node:crypto strict, one by one:   ${usPer(n, M)}  (${(s / n).toFixed(2)}x)`);
    console.log(`  node:crypto verifyMany (threads): ${usPer(nm, M)}  (${(s / nm).toFixed(2)}x)`);
    console.log(`  WebCrypto verifyMany:             ${usPer(wm, M)}  (${(s / wm).toFixed(2)}x)`);
  }
}

const doc = newDocId();
const keys = createDocKeys(lib, doc);
const { epoch, key } = currentDocKey(keys);
const authors = [generateDeviceIdentity(lib), generateDeviceIdentity(lib), generateDeviceIdentity(lib)];
const envelopes = Array.from({ length: N }, (_, i) =>
  sealEnvelope(lib, { kind: EnvelopeKind.Update, doc, epoch, key, author: authors[i % 3]!, counter: Math.floor(i / 3) + 1, plaintext: lib.randomBytes(120) }),
);
const ctx = () => ({ doc, keyFor: (e: typeof epoch) => docKeyFor(keys, e), isAllowedAuthor: () => true, counters: createCounterTracker() });
const localKey = secret(lib.randomBytes(32));
const tags = envelopes.map((e) => localVerifiedTag(lib, localKey, e));

const sequential = (p: typeof lib) => () => {
  const c = ctx();
  for (const e of envelopes) {
    const o = openEnvelope(p, e, c);
    c.counters.commit(o.header.author, o.header.kind, o.header.counter);
  }
};
const seqSodium = await time(sequential(lib));
const seqAuto = await time(sequential(auto));
const batch = await time(async () => {
  const out = await openMany(auto, envelopes, ctx());
  if (out.some((o) => !o.ok)) throw new Error('batch failed');
});
const tagged = await time(async () => {
  const out = await openMany(auto, envelopes, ctx(), { localTags: { key: localKey, tags } });
  if (out.some((o) => !o.ok)) throw new Error('tagged batch failed');
});
const project = (ms: number): string => `${((ms / N) * 100).toFixed(1)} s per 100k`;
console.log(`Opening ${N} envelopes (parse, verify, counters, decrypt; 120-byte payloads):`);
console.log(`  openEnvelope, libsodium verify:        ${usPer(seqSodium, N)}/envelope, ${project(seqSodium)}`);
console.log(`  openEnvelope, ${auto.name}: ${usPer(seqAuto, N)}/envelope, ${project(seqAuto)}`);
console.log(`  openMany (verifyMany on threads):      ${usPer(batch, N)}/envelope, ${project(batch)}`);
console.log(`  openMany with local verified tags:     ${usPer(tagged, N)}/envelope, ${project(tagged)}`);
