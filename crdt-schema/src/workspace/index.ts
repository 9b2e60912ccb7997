/** A device's workspace: peer, document ciphers, signed membership and the member directory. */
export * from './peer.ts';
export * from './cipher.ts';
export * from './directory.ts';
export * from './membership.ts';
export * from './home.ts';
export * from './session.ts';
export * from './urls.ts';
export * from './flows/index.ts';
export * from './doc-grants.ts';
export * from './admin-caps.ts';
export * from './live-reply.ts';
export * from './live-replies.ts';
export * from './peer-announcement.ts';
export * from './peer-roster.ts';
export * from './peer-presence.ts';
export * from './peer-self.ts';
export * from './peer-presence-seal.ts';
