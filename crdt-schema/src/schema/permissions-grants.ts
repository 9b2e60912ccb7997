/**
 * Grants: the user's decision per plugin, permission kind and resource.
 * Each decision is one record replaced whole, so a grant and a concurrent
 * revocation resolve to one of them on every peer. Matching is exact on the
 * resource; '*' in a grant matches any resource of that kind.
 */
import type * as Y from 'yjs';
import { parsePluginId, type DeviceId, type PluginId } from '../ids.ts';
import { checkEnum, checkText, compareStrings, isRecord } from './fields.ts';
import { PERMISSIONS } from './keys.ts';
import { PERMISSION_KINDS, type PermissionKind } from './plugin-manifest.ts';
import type { Writer } from './writer.ts';

export const GRANT_DECISIONS = ['granted', 'denied'] as const;
export type GrantDecision = (typeof GRANT_DECISIONS)[number];

export interface Grant {
  readonly plugin: PluginId;
  readonly kind: PermissionKind;
  readonly resource: string;
  readonly decision: GrantDecision;
  readonly by: DeviceId;
  readonly at: number;
  readonly revokedAt?: number;
  readonly revokedBy?: DeviceId;
}

export interface GrantTarget {
  readonly plugin: PluginId;
  readonly kind: PermissionKind;
  readonly resource: string;
}

const keyOf = (t: GrantTarget): string => JSON.stringify([t.plugin, t.kind, t.resource]);

function parseGrant(v: unknown): Grant | undefined {
  if (!isRecord(v)) return undefined;
  const { plugin, kind, resource, decision, by, at, revokedAt, revokedBy } = v;
  if (typeof plugin !== 'string' || typeof resource !== 'string' || typeof by !== 'string' || typeof at !== 'number') return undefined;
  if (!(PERMISSION_KINDS as readonly unknown[]).includes(kind) || !(GRANT_DECISIONS as readonly unknown[]).includes(decision)) return undefined;
  const grant: Grant = { plugin: plugin as PluginId, kind: kind as PermissionKind, resource, decision: decision as GrantDecision, by: by as DeviceId, at };
  return typeof revokedAt === 'number' && typeof revokedBy === 'string'
    ? { ...grant, revokedAt, revokedBy: revokedBy as DeviceId }
    : grant;
}

function checkTarget(t: GrantTarget): GrantTarget {
  return { plugin: parsePluginId(t.plugin), kind: checkEnum(t.kind, 'kind', PERMISSION_KINDS), resource: checkText(t.resource, 'resource', 2000) };
}

export function grantsSection(doc: Y.Doc, w: Writer) {
  const grants = doc.getMap<unknown>(PERMISSIONS.grants);
  const get = (t: GrantTarget): Grant | undefined => parseGrant(grants.get(keyOf(t)));
  const live = (t: GrantTarget): Grant | undefined => {
    const g = get(t);
    return g !== undefined && g.revokedAt === undefined ? g : undefined;
  };
  return {
    get,
    /** Records the user's answer for a plugin's permission on a resource. */
    decide(target: GrantTarget, decision: GrantDecision, by: DeviceId): Grant {
      const t = checkTarget(target);
      const grant: Grant = { ...t, decision: checkEnum(decision, 'decision', GRANT_DECISIONS), by, at: w.now() };
      w.write(() => grants.set(keyOf(t), { ...grant }));
      return grant;
    },
    /** Withdraws a decision; the plugin has to ask again. No-op when there is none. */
    revoke(target: GrantTarget, by: DeviceId): void {
      const t = checkTarget(target);
      const g = get(t);
      if (g === undefined || g.revokedAt !== undefined) return;
      const at = w.now();
      w.write(() => grants.set(keyOf(t), { ...g, revokedAt: at, revokedBy: by }));
    },
    /** Allowed when an unrevoked grant exists for the resource or '*', and no unrevoked denial for the resource. */
    isAllowed(target: GrantTarget): boolean {
      const exact = live(target);
      if (exact !== undefined) return exact.decision === 'granted';
      return live({ ...target, resource: '*' })?.decision === 'granted';
    },
    /** All decisions, revoked ones included; of one plugin when given. */
    list(plugin?: PluginId): Grant[] {
      const out: Grant[] = [];
      for (const v of grants.values()) {
        const g = parseGrant(v);
        if (g !== undefined && (plugin === undefined || g.plugin === plugin)) out.push(g);
      }
      return out.sort((a, b) => compareStrings(keyOf(a), keyOf(b)));
    },
  };
}
