/** Workspace key scopes, roles, and per-document key derivation. */
export * from './scopes.ts';
export * from './workspace-keys.ts';
export * from './doc-keys.ts';
export * from './doc-grant.ts';
