/**
 * The access gate: the one place a plugin's (or the agent's) access is
 * checked against the user's grants and written to the activity log. Grants
 * are read from the permissions document at the moment of each access, so a
 * revocation that has synced stops the very next access.
 *
 * Grants match a resource exactly (the schema's rule), widened per kind:
 * a folder grant covers everything below it (the nearest folder with a live
 * decision wins, so a denial on a subfolder beats a grant on its parent), a
 * host grant `*.example.com` covers its subdomains, and `*` covers any
 * resource of the kind.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { DeviceId, PluginId } from '@tendril/crdt-schema/ids';
import type { ActivityInput, Grant, Outcome, PermissionKind, PermissionsDoc } from '@tendril/crdt-schema/schema';
import { dirname, isAbsolute, resolve } from 'node:path';

/** What the activity log keeps of one access. */
export interface AccessRecord {
  readonly kind: PermissionKind;
  readonly resource: string;
  readonly outcome: Outcome;
  readonly detail?: string;
}

export interface Decision {
  readonly allowed: boolean;
  /** The resource of the grant (or denial) that decided, when one did. */
  readonly by?: string;
}

export interface GateOptions {
  readonly permissions: PermissionsDoc;
  /** The device appending to the activity log (this worker). */
  readonly device: DeviceId;
  readonly plugin: PluginId;
  readonly now?: () => number;
  /** Told about every record written (worker logs, tests). */
  readonly onRecord?: (r: AccessRecord) => void;
}

/** Thrown when the gate refuses an access; the refusal is already logged. */
export class AccessDenied extends TendrilError {
  readonly kind: PermissionKind;
  readonly resource: string;
  constructor(kind: PermissionKind, resource: string) {
    super('E_FORBIDDEN', `permission denied: ${kind} on ${resource} is not granted`);
    this.kind = kind;
    this.resource = resource;
  }
}

export const isAccessDenied = (e: unknown): e is AccessDenied => e instanceof AccessDenied;

const MAX_DETAIL = 2000;
const MAX_RESOURCE = 2000;
const clip = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/** The resources whose decision applies to `resource`, most specific first ('*' last). */
export function candidates(kind: PermissionKind, resource: string): string[] {
  const out: string[] = [resource];
  if (kind === 'read-folder' && isAbsolute(resource)) {
    for (let p = resolve(resource); dirname(p) !== p; ) {
      p = dirname(p);
      out.push(p);
    }
  } else if (kind === 'network' && resource !== 'model') {
    const host = resource.replace(/:\d+$/, '');
    if (host !== resource) out.push(host);
    const labels = host.split('.');
    for (let i = 1; i < labels.length - 1; i++) out.push(`*.${labels.slice(i).join('.')}`);
  }
  if (resource !== '*') out.push('*');
  return out;
}

const live = (g: Grant | undefined): g is Grant => g !== undefined && g.revokedAt === undefined;

export function createAccessGate(o: GateOptions) {
  const grants = o.permissions.grants;
  const decide = (kind: PermissionKind, resource: string): Decision => {
    for (const r of candidates(kind, resource)) {
      const g = grants.get({ plugin: o.plugin, kind, resource: r });
      if (live(g)) return { allowed: g.decision === 'granted', by: r };
    }
    return { allowed: false };
  };
  const record = (records: AccessRecord | readonly AccessRecord[]): void => {
    const list = Array.isArray(records) ? records : [records as AccessRecord];
    if (list.length === 0) return;
    const at = (o.now ?? Date.now)();
    const entries: ActivityInput[] = list.map((r) => ({
      plugin: o.plugin,
      permission: r.kind,
      resource: clip(r.resource || '-', MAX_RESOURCE),
      outcome: r.outcome,
      at,
      ...(r.detail !== undefined ? { detail: clip(r.detail, MAX_DETAIL) } : {}),
    }));
    o.permissions.activity.append(o.device, entries);
    for (const r of list) o.onRecord?.(r);
  };
  const requireAccess = (kind: PermissionKind, resource: string, detail?: string): Decision => {
    const d = decide(kind, resource);
    if (!d.allowed) {
      record({ kind, resource, outcome: 'denied', ...(detail !== undefined ? { detail } : {}) });
      throw new AccessDenied(kind, resource);
    }
    return d;
  };
  const performLogged = async <T>(kind: PermissionKind, resource: string, perform: () => Promise<T>, describe?: (result: T) => string, detail?: string): Promise<T> => {
    let result: T;
    try {
      result = await perform();
    } catch (e) {
      if (isAccessDenied(e)) throw e;
      const message = e instanceof Error ? e.message : String(e);
      record({ kind, resource, outcome: 'error', detail: detail !== undefined ? `${detail}: ${message}` : message });
      throw e;
    }
    const said = describe?.(result) ?? detail;
    record({ kind, resource, outcome: 'allowed', ...(said !== undefined ? { detail: said } : {}) });
    return result;
  };
  return {
    plugin: o.plugin,
    decide,
    record,
    /** Resources of this kind the plugin holds a live grant for. */
    granted(kind: PermissionKind): string[] {
      return grants.list(o.plugin).filter((g) => live(g) && g.kind === kind && g.decision === 'granted').map((g) => g.resource);
    },
    /** Logs a denial and throws AccessDenied unless the access is allowed now. */
    require: requireAccess,
    /**
     * Checks, performs and logs one access: denied (not performed), allowed
     * (with `describe`'s detail) or error (with the failure's message).
     */
    async guard<T>(kind: PermissionKind, resource: string, perform: () => Promise<T>, describe?: (result: T) => string, detail?: string): Promise<T> {
      requireAccess(kind, resource, detail);
      return performLogged(kind, resource, perform, describe, detail);
    },
    /** Performs and logs an access the caller has already decided to allow. */
    performLogged,
  };
}

export type AccessGate = ReturnType<typeof createAccessGate>;
