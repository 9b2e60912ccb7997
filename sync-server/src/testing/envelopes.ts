/**
 * Sealed-looking envelopes for relay tests: a real header and outer layout
 * with a valid author signature, and random bytes where the ciphertext would
 * be. The relay cannot tell the difference, which is the point.
 */
import { randomBytes } from 'node:crypto';
import { ENVELOPE_SIGNATURE_CONTEXT, EnvelopeKind, encodeEnvelopeBody, encodeHeader } from '@tendril/crdt-schema/header';
import { keyEpoch, type DocId } from '@tendril/crdt-schema/ids';
import type { TestKey } from './keys.ts';

const TAG = new TextEncoder().encode(ENVELOPE_SIGNATURE_CONTEXT);

export interface EnvelopeSpec {
  doc: DocId;
  author: TestKey;
  counter: number;
  kind?: EnvelopeKind;
  /** Ciphertext bytes (at least 16). Default 48. */
  size?: number;
  /** Sign with a wrong key, so the signature does not verify. */
  badSignature?: boolean;
  /** A version 2 header with this chain link (16 bytes); omitted, a version 1 header. */
  prev?: Uint8Array;
}

export function makeEnvelope(spec: EnvelopeSpec): Uint8Array {
  const header = encodeHeader({
    kind: spec.kind ?? EnvelopeKind.Update,
    doc: spec.doc,
    epoch: keyEpoch(0),
    author: spec.author.id,
    counter: spec.counter,
    ...(spec.prev === undefined ? {} : { prev: spec.prev }),
  });
  const body = encodeEnvelopeBody(header, new Uint8Array(randomBytes(24)), new Uint8Array(randomBytes(Math.max(16, spec.size ?? 48))));
  const signed = new Uint8Array(TAG.length + body.length);
  signed.set(TAG);
  signed.set(body, TAG.length);
  const signature = spec.badSignature ? new Uint8Array(64).fill(1) : spec.author.sign(signed);
  const out = new Uint8Array(body.length + 64);
  out.set(body);
  out.set(signature, body.length);
  return out;
}

export const snapshotEnvelope = (spec: Omit<EnvelopeSpec, 'kind'>): Uint8Array => makeEnvelope({ ...spec, kind: EnvelopeKind.Snapshot });
