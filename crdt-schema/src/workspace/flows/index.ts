/** Workspace flows shared by the CLI and the app: create, invite, join, revoke. */
export * from './create.ts';
export * from './invite.ts';
export * from './join.ts';
export * from './revoke.ts';
