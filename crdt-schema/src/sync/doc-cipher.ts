/**
 * What the sync layer needs from keys and envelopes for one document, as one
 * injected interface: seal local updates, open remote envelopes (verify, then
 * author, then counter, then decrypt), seal the local at-rest state, and sign
 * relay capability proofs. workspace/cipher.ts builds the real one from a
 * device identity and the workspace scope keys.
 */
import type { DeviceId } from '../ids.ts';
import type { CounterCheck, EnvelopeKind, OpenedEnvelope } from '../envelope/index.ts';
import type { CapMode } from '../wire/frames.ts';

export type EphemeralKind = 'presence' | 'stream';

/** What sealing adds to an ephemeral payload: the key epoch (2 bytes), the nonce (24) and the tag (16). */
export const EPHEMERAL_OVERHEAD = 2 + 24 + 16;

export interface DocCipher {
  readonly self: DeviceId;
  /** True when this device holds the document's write capability. */
  readonly canWrite: boolean;
  /** Capability public keys, sent so any writer can register the document on the relay. */
  readonly caps: { readonly writeKey: Uint8Array; readonly readKey: Uint8Array };
  /** `prev` (update envelopes): the chain link to this device's previous update, see envelope/chain.ts. */
  seal(kind: EnvelopeKind, counter: number, plaintext: Uint8Array, prev?: Uint8Array): Uint8Array;
  /**
   * Every check passed or a TendrilError: nobody sees plaintext of a bad envelope. `signatureValid`,
   * when given, is the envelope's verdict from {@link DocCipher.verdicts} and stands in for its own
   * signature check; every other check still runs.
   */
  open(envelope: Uint8Array, counters: CounterCheck, signatureValid?: boolean): OpenedEnvelope;
  /**
   * The signature verdict of one live entry, checked off the calling thread where the platform
   * allows; the entry is then opened with it ({@link DocCipher.open}). Never rejects.
   */
  verdict(envelope: Uint8Array): Promise<boolean>;
  /** Signature verdicts of a run of entries in relay order, through the authors' hash chains (envelope/chain.ts). */
  verdicts(envelopes: readonly Uint8Array[]): boolean[];
  /** The chain link an envelope's successor names as `prev`. */
  chainHash(envelope: Uint8Array): Uint8Array;
  /** Signs a relay subscribe proof with the read or write capability. */
  subscribeProof(nonce: Uint8Array, mode: CapMode): Uint8Array;
  /**
   * Ephemeral payloads (presence: who is here, typing; streams: terminal output and input):
   * sealed with the document's current content key and bound to the kind, the document and the
   * sending device; never stored.
   */
  sealEphemeral(kind: EphemeralKind, plaintext: Uint8Array): Uint8Array;
  /**
   * {@link sealEphemeral} of the parts' concatenation, written into `out` from `at`
   * ({@link EPHEMERAL_OVERHEAD} bytes more than the parts), so a large payload is copied once, into
   * the frame that carries it.
   */
  sealEphemeralInto(kind: EphemeralKind, parts: readonly Uint8Array[], out: Uint8Array, at: number): void;
  /** Null when the payload does not open for that kind and sender (forged, moved from another doc, stale key). */
  openEphemeral(kind: EphemeralKind, from: DeviceId, sealed: Uint8Array): Uint8Array | null;
  /** At-rest sealing with the device's local storage key. */
  sealLocal(plaintext: Uint8Array): Uint8Array;
  openLocal(sealed: Uint8Array): Uint8Array;
}
