/** What the gateway changes on its host outside terminal sessions: today the user's authorized_keys. */
export { AuthorizedKeys, type ManagedKey, type NewManagedKey } from './authorized-keys.ts';
export { checkLabel, fingerprintOf, KEY_TYPES, MAX_LABEL_CHARS, parsePublicKey, type KeyType, type PublicKey } from './ssh-public-key.ts';
