/** Guest links on the client side: the visitor's visit, the owner's watch, the conversation log and its payloads. */
export * from './messages.ts';
export * from './transcript.ts';
export * from './guest-claims.ts';
export * from './frame-socket.ts';
export * from './conversation-feed.ts';
export * from './visitor-client.ts';
export * from './owner-client.ts';
export * from './owner-links.ts';
