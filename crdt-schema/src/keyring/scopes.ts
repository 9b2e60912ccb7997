/**
 * Key scopes: the documents of a workspace fall into five scopes (the document
 * classes invites name), and each scope has its own DocKeys (a content key per
 * epoch, read and write capability pairs). A role is a map from scope to access. Per-document keys are
 * derived from the scope keys (doc-keys.ts), so a document created by any member
 * is readable by every member whose role covers its scope, with no new lockbox.
 */

export const Scope = {
  /** The workspace index: chats list, sessions list, members, gateways, workers. */
  Index: 'index',
  Chats: 'chat',
  Settings: 'settings',
  Permissions: 'permissions',
  Terminals: 'terminal-session',
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];
export const ALL_SCOPES: readonly Scope[] = Object.values(Scope);

export type Access = 'read' | 'write';

export const Role = {
  /** Created the workspace or was promoted; may invite and revoke. */
  Admin: 'admin',
  /** A person's device: reads and writes everything. */
  Device: 'device',
  /** Reads everything, writes nothing. */
  Viewer: 'viewer',
  /** Runs terminal sessions: the index and terminal sessions only. */
  Gateway: 'gateway',
  /** Answers chats and runs plugins: index, chats, settings (read) and permissions. */
  Worker: 'worker',
} as const;
export type Role = (typeof Role)[keyof typeof Role];
export const ALL_ROLES: readonly Role[] = Object.values(Role);

const everything = (access: Access): ReadonlyMap<Scope, Access> => new Map(ALL_SCOPES.map((s) => [s, access]));

const ROLE_SCOPES: Record<Role, ReadonlyMap<Scope, Access>> = {
  admin: everything('write'),
  device: everything('write'),
  viewer: everything('read'),
  gateway: new Map<Scope, Access>([
    [Scope.Index, 'write'],
    [Scope.Terminals, 'write'],
  ]),
  worker: new Map<Scope, Access>([
    [Scope.Index, 'write'],
    [Scope.Chats, 'write'],
    [Scope.Settings, 'read'],
    [Scope.Permissions, 'write'],
  ]),
};

/** What a role may do in each scope; absent scopes are not readable at all. */
export function roleScopes(role: Role): ReadonlyMap<Scope, Access> {
  return ROLE_SCOPES[role];
}

export function canWrite(role: Role, scope: Scope): boolean {
  return ROLE_SCOPES[role].get(scope) === 'write';
}

export function canRead(role: Role, scope: Scope): boolean {
  return ROLE_SCOPES[role].has(scope);
}

export function isRole(x: unknown): x is Role {
  return typeof x === 'string' && (ALL_ROLES as readonly string[]).includes(x);
}
