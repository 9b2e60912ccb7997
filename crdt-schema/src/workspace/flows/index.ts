/** Workspace flows shared by the CLI and the app: create, invite (offline or confirmed pairing), join, revoke. */
export * from './create.ts';
export * from './invite.ts';
export * from './join.ts';
export * from './pair-inviter.ts';
export * from './pair-joiner.ts';
export * from './poll-blob.ts';
export * from './revoke.ts';
export * from './enroll-confirmed.ts';
export * from './relay-admin.ts';
