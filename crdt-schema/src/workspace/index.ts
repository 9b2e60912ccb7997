/** A device's workspace: peer, document ciphers, signed membership and the member directory. */
export * from './peer.ts';
export * from './cipher.ts';
export * from './directory.ts';
export * from './membership.ts';
