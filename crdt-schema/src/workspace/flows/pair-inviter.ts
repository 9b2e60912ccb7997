/**
 * The inviter's side of a confirmed pairing: wait (online) for the joining
 * device's request, show the code computed from its device key, and on
 * Confirm send it the release secret, sealed so only that device reads it.
 * On Reject it gets a rejection; on expiry or cancel, nothing. Only the first
 * request that opens is ever considered: the relay deletes it when taken and
 * this side stops looking, so a second link holder gets no answer at all.
 */
import type { CreatedInvite } from '../../crypto/invite.ts';
import { pairingCode } from '../../crypto/invite.ts';
import { openPairingRequest, pairingAnswerBlobKey, pairingRequestBlobKey, sealPairingAnswer, type PairingRequest } from '../../crypto/pairing.ts';
import type { CryptoProvider } from '../../crypto/provider.ts';
import { TendrilError } from '../../errors.ts';
import type { DeviceId } from '../../ids.ts';
import { pollBlob, ttlUntil, type BlobRelay, type PollOptions } from './poll-blob.ts';

/** A joining device waiting for a person's decision. */
export interface PendingPairing {
  readonly device: DeviceId;
  /** Its X25519 key (from the signed request): what an admin enrolls a read-only device with. */
  readonly boxPublicKey: Uint8Array;
  /** The name its person gave it (signed with the request; may be empty). */
  readonly name: string;
  /** Six digits; the joining device shows the same ones when no one else took its place. */
  readonly code: string;
  /** Sends the release secret; `E_INVITE_EXPIRED` past the invite's expiry (nothing is sent). */
  confirm(): Promise<void>;
  /** Tells the joining device no; nothing is released. */
  reject(): Promise<void>;
}

export interface AwaitPairingOptions extends Omit<PollOptions, 'timeoutMs'> {
  /** Injected clock (ms). */
  readonly now: () => number;
}

/**
 * Resolves with the first valid pairing request. `E_INVITE_EXPIRED` when the
 * invite expires first, `E_PAIRING_REJECTED` when the signal cancels the wait.
 */
export async function awaitPairingRequest(crypto: CryptoProvider, relay: BlobRelay, invite: CreatedInvite, o: AwaitPairingOptions): Promise<PendingPairing> {
  const release = invite.release;
  if (release === null) throw new TendrilError('E_BAD_INPUT', 'this invite was made without confirmation');
  const { secret: s, tokenBytes, token } = invite;
  const read = (blob: Uint8Array): PairingRequest | null => {
    try {
      return openPairingRequest(crypto, s, tokenBytes, blob);
    } catch {
      return null;
    }
  };
  const request = await pollBlob(relay, pairingRequestBlobKey(crypto, s), read, { ...o, timeoutMs: token.expiresAt - o.now() });
  if (request === null) {
    if (o.signal?.aborted === true) throw new TendrilError('E_PAIRING_REJECTED', 'pairing cancelled on this device');
    throw new TendrilError('E_INVITE_EXPIRED', `invite ${token.id} expired before a device asked to join`);
  }
  let answered = false;
  const answer = async (verdict: Parameters<typeof sealPairingAnswer>[4]): Promise<void> => {
    if (answered) throw new TendrilError('E_BAD_INPUT', 'this pairing was already answered');
    const now = o.now();
    if ('release' in verdict && now >= token.expiresAt) throw new TendrilError('E_INVITE_EXPIRED', `invite ${token.id} expired before the pairing was confirmed`);
    answered = true;
    await relay.putBlob(pairingAnswerBlobKey(crypto, s, request.device), sealPairingAnswer(crypto, s, tokenBytes, request, verdict), ttlUntil(Math.max(token.expiresAt, now + 60_000), now));
  };
  return {
    device: request.device,
    boxPublicKey: request.boxPublicKey,
    name: request.name,
    code: pairingCode(crypto, s, token.issuer, request.device),
    confirm: () => answer({ release }),
    reject: () => answer({ rejected: true }),
  };
}
