/**
 * What the relay checks in an envelope before storing it, using only the
 * plaintext header: it parses, names the frame's document, has the expected
 * kind, is authored by this connection's device, and (unless disabled) its
 * author signature verifies. The ciphertext stays opaque.
 *
 * The signature of an envelope of at least `ctx.verifyOnPoolFromBytes` bytes
 * is checked on the libuv thread pool, so hashing a large snapshot does not
 * hold every other connection; the check then returns a promise, and the
 * handler returns it to the connection's queue, which keeps that
 * connection's later frames behind the verdict. A small envelope is checked
 * in place: at ~140 µs a thread hop would cost about as much as it frees.
 */
import { ENVELOPE_SIGNATURE_CONTEXT, EnvelopeKind, parseEnvelope, type ParsedEnvelope } from '@tendril/crdt-schema/header';
import type { DocId } from '@tendril/crdt-schema/ids';
import type { Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';

/**
 * Domain tag of the envelope signature: the author signs `tag || signed` (the
 * bytes before the signature). Mirrors the shared core's envelope context.
 */
const ENVELOPE_SIGNATURE_TAG = new TextEncoder().encode(ENVELOPE_SIGNATURE_CONTEXT);

/** The parsed envelope, or undefined after sending the refusal for `ref`; a promise of either when verified on the pool. */
export type Checked = ParsedEnvelope | undefined | Promise<ParsedEnvelope | undefined>;

export function checkEnvelope(ctx: RelayContext, conn: Connection, doc: DocId, ref: number, bytes: Uint8Array, kind: EnvelopeKind): Checked {
  let env: ParsedEnvelope;
  try {
    env = parseEnvelope(bytes);
  } catch (err) {
    conn.error('E_FRAME_MALFORMED', { doc, ref, detail: `envelope: ${(err as Error).message}`.slice(0, 200) });
    return undefined;
  }
  if (env.header.doc !== doc) {
    conn.error('E_FRAME_MALFORMED', { doc, ref, detail: 'the envelope names another document' });
    return undefined;
  }
  if (env.header.kind !== kind) {
    const want = kind === EnvelopeKind.Update ? 'an update' : 'a snapshot';
    conn.error('E_FRAME_MALFORMED', { doc, ref, detail: `this frame carries ${want} envelope` });
    return undefined;
  }
  if (env.header.author !== conn.identity!.device) {
    conn.error('E_FORBIDDEN', { doc, ref, detail: 'the envelope author is not this device' });
    return undefined;
  }
  if (ctx.verifyEnvelopes) {
    const signed = new Uint8Array(ENVELOPE_SIGNATURE_TAG.length + env.signed.length);
    signed.set(ENVELOPE_SIGNATURE_TAG);
    signed.set(env.signed, ENVELOPE_SIGNATURE_TAG.length);
    const verdict = (ok: boolean): ParsedEnvelope | undefined => {
      if (ok) return env;
      conn.error('E_AUTH_FAILED', { doc, ref, detail: 'the envelope signature does not verify' });
      return undefined;
    };
    if (bytes.length >= ctx.verifyOnPoolFromBytes) return ctx.verifier.verifyAsync(env.authorKey, signed, env.signature).then(verdict);
    return verdict(ctx.verifier.verify(env.authorKey, signed, env.signature));
  }
  return env;
}
