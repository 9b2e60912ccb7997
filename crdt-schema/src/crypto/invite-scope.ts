/**
 * What an invite grants. A role names the kind of peer being invited and has
 * a default scope; a scope is a list of grants, each selecting documents (all
 * of the workspace, a class of documents, or one document) with read or write
 * access. The issuer resolves classes to concrete documents when it seals the
 * lockboxes; the checks here decide what a joined peer may ask for later.
 */
import { TendrilError } from '../errors.ts';
import type { DocId } from '../ids.ts';

export const INVITE_ROLES = ['device', 'gateway', 'worker', 'viewer'] as const;
/** `device`: another device of the user. `gateway`: a terminal host. `worker`: a headless agent. `viewer`: read-only. */
export type InviteRole = (typeof INVITE_ROLES)[number];

/** Document classes a scope may name; the order is the wire encoding, never reorder. */
export const DOC_CLASSES = ['index', 'terminal-session', 'chat', 'settings', 'permissions'] as const;
export type DocClass = (typeof DOC_CLASSES)[number];

export type DocAccess = 'read' | 'write';

export type DocSelector =
  | { readonly all: true }
  | { readonly class: DocClass }
  | { readonly doc: DocId };

export interface ScopeGrant {
  readonly select: DocSelector;
  readonly access: DocAccess;
}

export type InviteScope = readonly ScopeGrant[];

/**
 * Default scope per role. A gateway reads the index and writes terminal
 * sessions; a worker reads the index, settings and permissions and writes
 * chats (it may never grant itself permissions); a viewer reads everything.
 */
export const DEFAULT_SCOPES: Readonly<Record<InviteRole, InviteScope>> = {
  device: [{ select: { all: true }, access: 'write' }],
  gateway: [
    { select: { class: 'index' }, access: 'read' },
    { select: { class: 'terminal-session' }, access: 'write' },
  ],
  worker: [
    { select: { class: 'index' }, access: 'read' },
    { select: { class: 'chat' }, access: 'write' },
    { select: { class: 'settings' }, access: 'read' },
    { select: { class: 'permissions' }, access: 'read' },
  ],
  viewer: [{ select: { all: true }, access: 'read' }],
};

function selects(select: DocSelector, doc: DocId, docClass: DocClass | undefined): boolean {
  if ('all' in select) return true;
  if ('class' in select) return docClass !== undefined && select.class === docClass;
  return select.doc === doc;
}

/** The strongest access the scope grants on a document, or null for none. */
export function accessIn(scope: InviteScope, doc: DocId, docClass?: DocClass): DocAccess | null {
  let best: DocAccess | null = null;
  for (const grant of scope) {
    if (!selects(grant.select, doc, docClass)) continue;
    if (grant.access === 'write') return 'write';
    best = 'read';
  }
  return best;
}

/** Throws `E_INVITE_SCOPE` unless the scope grants `access` (write implies read) on the document. */
export function checkScope(scope: InviteScope, doc: DocId, access: DocAccess, docClass?: DocClass): void {
  const granted = accessIn(scope, doc, docClass);
  if (granted === null || (access === 'write' && granted !== 'write')) {
    throw new TendrilError('E_INVITE_SCOPE', `${access} access to ${doc}${docClass ? ` (${docClass})` : ''} is outside the invite scope`);
  }
}

/**
 * Whether any grant could cover `access` on the document when its class is
 * not known (a joiner checking the lockboxes it received): class grants count
 * as possibly covering it.
 */
export function mayGrant(scope: InviteScope, doc: DocId, access: DocAccess): boolean {
  return scope.some((g) => ('doc' in g.select ? g.select.doc === doc : true) && (access === 'read' || g.access === 'write'));
}

/** Throws `E_INVITE_SCOPE` when a scope is empty or grants more than its role may hold (a viewer that writes). */
export function validateScope(role: InviteRole, scope: InviteScope): void {
  if (scope.length === 0) throw new TendrilError('E_INVITE_SCOPE', 'an invite must grant at least one document');
  if (role === 'viewer' && scope.some((g) => g.access === 'write')) {
    throw new TendrilError('E_INVITE_SCOPE', 'a viewer invite cannot grant write access');
  }
}
