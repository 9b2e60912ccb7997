/** Relay wire protocol: frame types, their byte codec, and the bytes each proof signs (see docs/PROTOCOL.md). */
export * from './frames.ts';
export * from './codec.ts';
export * from './proofs.ts';
export { Transcript, describeFrame, containsBytes } from './transcript.ts';
export * from './invite-claims.ts';
export * from './proxy-proof.ts';
export * from './proxy-fetch.ts';
export * from './operator-proof.ts';
export * from './guest-proofs.ts';
