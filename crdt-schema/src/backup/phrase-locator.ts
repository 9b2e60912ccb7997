/**
 * The locator: a relay identity that a 12-word recovery phrase gives without
 * the workspace id, so a fresh device holding only the phrase can ask the
 * relay which workspace it belongs to (Locate, wire/locate.ts) before it
 * derives the backup keys, which stay salted per workspace.
 *
 * Derivation: a BLAKE2b key derivation (crypto.kdf) over the phrase's 128
 * bits of BIP39 entropy, with a fixed, versioned, public context, instead of
 * Argon2id. The phrase is drawn by the machine (recovery-phrase.ts), so
 * guessing it means searching 2^128 values: stretching adds nothing against
 * that, and a per-workspace salt cannot apply to a key whose purpose is to
 * find the workspace. Only a generated phrase gets a locator: a chosen
 * passphrase has far less entropy, and a workspace-independent key from it
 * could be attacked against every workspace at once, so a passphrase keeps
 * needing the workspace id (`E_BAD_INPUT` here).
 *
 * The locator holds no backup key; the relay enrols it as a member of the
 * workspace like the reader (backup-key.ts), and it only ever connects to
 * Locate. The relay sees its public key, which is the same for every
 * workspace restored with that phrase (one workspace: a phrase is per
 * workspace).
 */
import { mnemonicToEntropy } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { deviceIdentityFromSeeds, type DeviceIdentity } from '../crypto/keys.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { concatBytes, utf8 } from '../crypto/bytes.ts';
import { checkRecoveryPhrase, looksLikeRecoveryPhrase } from './recovery-phrase.ts';
import { TendrilError } from '../errors.ts';

/** The public, versioned domain of the derivation: changing it makes every enrolled locator unreachable. */
const LOCATOR_DOMAIN = 'tendril-phrase-locator/v1';

/** The locator identity of a recovery phrase (typed: checked and normalized here). */
export function phraseLocator(crypto: CryptoProvider, typedPhrase: string): DeviceIdentity {
  if (!looksLikeRecoveryPhrase(typedPhrase)) {
    throw new TendrilError('E_BAD_INPUT', 'only a 12-word recovery phrase finds its workspace by itself: with a passphrase, give the workspace id too');
  }
  const entropy = mnemonicToEntropy(checkRecoveryPhrase(typedPhrase), wordlist);
  const root = crypto.hash(concatBytes(utf8(LOCATOR_DOMAIN), entropy), 32);
  return deviceIdentityFromSeeds(crypto, crypto.kdf(root, 'tendril-locator/sign'), crypto.kdf(root, 'tendril-locator/box'));
}
