/** Keys, identities, lockboxes, invites and passphrases of the shared core; every function takes a {@link CryptoProvider}. */
export * from './provider.ts';
export * from './sodium.ts';
export * from './load.ts';
export * from './secret.ts';
export * from './bytes.ts';
export * from './ed25519-strict.ts';
export * from './keys.ts';
export * from './doc-keys.ts';
export * from './doc-keys-json.ts';
export * from './lockbox.ts';
export * from './invite-scope.ts';
export * from './invite-token.ts';
export * from './invite-link.ts';
export * from './invite-payload.ts';
export * from './invite.ts';
export * from './pairing.ts';
export * from './passphrase.ts';
