/** A guest link's keys as the owner's devices hold them, from its settings entry. */
import { fromBase64Url, type GuestLinkId } from '@tendril/crdt-schema/ids';
import { secret, type CryptoProvider } from '@tendril/crdt-schema/crypto';
import type { OwnerLinkKeys } from '@tendril/crdt-schema/guest';
import type { GuestLinkSettings } from '@tendril/crdt-schema/schema';

export function ownerLinkKeys(crypto: CryptoProvider, entry: Pick<GuestLinkSettings, 'id' | 'capSeed' | 'boxSecret' | 'secret'>): OwnerLinkKeys {
  const boxSecret = fromBase64Url(entry.boxSecret);
  return {
    link: entry.id as GuestLinkId,
    cap: crypto.signKeyPair(fromBase64Url(entry.capSeed)),
    box: { publicKey: crypto.boxPublicKey(boxSecret), secretKey: boxSecret },
    secret: secret(fromBase64Url(entry.secret)),
  };
}
