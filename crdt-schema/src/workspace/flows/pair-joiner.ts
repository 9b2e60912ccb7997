/**
 * The joining device's side of a confirmed pairing: park a request naming
 * its keys (sealed under the link secret, signed by its device key), then
 * wait for the inviter's answer. The caller shows the pairing code first, so
 * a person can compare it with the inviter's screen.
 */
import type { ParsedInviteLink } from '../../crypto/invite-link.ts';
import type { DeviceIdentity } from '../../crypto/keys.ts';
import { openPairingAnswer, pairingAnswerBlobKey, pairingRequestBlobKey, sealPairingRequest, type PairingAnswer } from '../../crypto/pairing.ts';
import type { CryptoProvider } from '../../crypto/provider.ts';
import type { Secret } from '../../crypto/secret.ts';
import { TendrilError } from '../../errors.ts';
import { pollBlob, ttlUntil, type BlobRelay, type PollOptions } from './poll-blob.ts';

/**
 * Resolves with the release secret once the inviter confirmed this device.
 * `E_PAIRING_REJECTED` when it said no, `E_TIMEOUT` when no answer came in time.
 */
export async function requestRelease(
  crypto: CryptoProvider,
  relay: BlobRelay,
  link: ParsedInviteLink,
  identity: DeviceIdentity,
  o: PollOptions & { readonly now: number; readonly name?: string },
): Promise<Secret<Uint8Array>> {
  const { secret: s, tokenBytes, token } = link;
  await relay.putBlob(pairingRequestBlobKey(crypto, s), sealPairingRequest(crypto, s, tokenBytes, identity, o.name ?? ''), ttlUntil(token.expiresAt, o.now));
  const read = (blob: Uint8Array): PairingAnswer | null => {
    try {
      return openPairingAnswer(crypto, s, tokenBytes, identity, blob);
    } catch {
      return null;
    }
  };
  const answer = await pollBlob(relay, pairingAnswerBlobKey(crypto, s, identity.deviceId), read, o);
  if (answer === null) throw new TendrilError('E_TIMEOUT', 'the inviting device did not confirm this device in time; ask for a new invite link');
  if ('rejected' in answer) throw new TendrilError('E_PAIRING_REJECTED', 'the inviting device rejected this device: the pairing codes did not match, or it cancelled');
  return answer.release;
}
