/**
 * The workspace key sets a device holds: one DocKeys (crypto/doc-keys.ts) per
 * scope it can read, carrying every epoch it holds, the read capability, and
 * the write capability's secret only where it may write. These are what
 * lockboxes and invites carry; per-document keys derive from them
 * (keyring/doc-keys.ts). Rotation (after a revocation) adds a fresh random epoch
 * and fresh capabilities to every scope.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { createDocKeys, mergeDocKeys, restrictDocKeys, rotateDocKeys, type DocKeys } from '../crypto/doc-keys.ts';
import { docKeysFromJSON, docKeysToJSON, type DocKeysJSON } from '../crypto/doc-keys-json.ts';
import { TendrilError } from '../errors.ts';
import { toBase64Url, type DocId, type WorkspaceId } from '../ids.ts';
import { ALL_SCOPES, roleScopes, Scope, type Role } from './scopes.ts';

export type WorkspaceKeys = ReadonlyMap<Scope, DocKeys>;

/** The stable pseudo document id naming a scope's key set in lockboxes. */
export function scopeKeyId(crypto: CryptoProvider, workspace: WorkspaceId, scope: Scope): DocId {
  return toBase64Url(crypto.hash(new TextEncoder().encode(`tendril/scope/${workspace}/${scope}`), 16)) as DocId;
}

/** Fresh key sets for every scope at epoch 0 (a new workspace). */
export function generateWorkspaceKeys(crypto: CryptoProvider, workspace: WorkspaceId): WorkspaceKeys {
  return new Map(ALL_SCOPES.map((s) => [s, createDocKeys(crypto, scopeKeyId(crypto, workspace, s))]));
}

/**
 * The next epoch of every scope the holder can write, each with fresh capabilities (the index
 * too), so a revoked device's old ones stop working. Remaining members that were offline read the
 * index's lockboxes of the new epoch with the replaced keys, which the relay keeps readable for
 * them alone (workspace/flows/revoke.ts).
 */
export function rotateWorkspaceKeys(crypto: CryptoProvider, keys: WorkspaceKeys): WorkspaceKeys {
  return new Map([...keys].map(([s, k]) => [s, k.writeCap.secretKey ? rotateDocKeys(crypto, k) : k]));
}

/** What a role may hold: unreadable scopes dropped, write secrets removed where it may only read. */
export function keysForRole(keys: WorkspaceKeys, role: Role): WorkspaceKeys {
  const allowed = roleScopes(role);
  const out = new Map<Scope, DocKeys>();
  for (const [scope, k] of keys) {
    const access = allowed.get(scope);
    if (access) out.set(scope, restrictDocKeys(k, { write: access === 'write' }));
  }
  return out;
}

/** Adds newly received epochs (from a lockbox) to the held keys. */
export function mergeWorkspaceKeys(held: WorkspaceKeys, incoming: WorkspaceKeys): WorkspaceKeys {
  const out = new Map(held);
  for (const [scope, k] of incoming) {
    const mine = out.get(scope);
    out.set(scope, mine ? mergeDocKeys(mine, k) : k);
  }
  return out;
}

export type WorkspaceKeysJson = Partial<Record<Scope, DocKeysJSON>>;

/** JSON-safe form. Contains secret keys: write it only to owner-only files or sealed records. */
export function workspaceKeysToJson(keys: WorkspaceKeys): WorkspaceKeysJson {
  const out: WorkspaceKeysJson = {};
  for (const [scope, k] of keys) out[scope] = docKeysToJSON(k);
  return out;
}

export function workspaceKeysFromJson(crypto: CryptoProvider, json: unknown): WorkspaceKeys {
  if (typeof json !== 'object' || json === null) throw new TendrilError('E_BAD_INPUT', 'workspace keys must be an object');
  const out = new Map<Scope, DocKeys>();
  for (const [scope, raw] of Object.entries(json)) {
    if (!(ALL_SCOPES as readonly string[]).includes(scope)) throw new TendrilError('E_BAD_INPUT', `unknown key scope ${scope}`);
    out.set(scope as Scope, docKeysFromJSON(crypto, raw));
  }
  return out;
}
