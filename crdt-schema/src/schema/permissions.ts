/**
 * The permissions document: installed plugin manifests, the user's grants,
 * the append-only activity log of what plugins did with them, the run
 * history (how each run ended), and the run leases that give each scheduled
 * run to one worker.
 *
 *   const perms = permissionsDoc(ydoc);
 *   perms.grants.decide({ plugin, kind: 'read-folder', resource: '/notes' }, 'granted', me);
 */
import type * as Y from 'yjs';
import { activitySection, type ActivityEntry } from './activity-log.ts';
import { ROOT_META, PERMISSIONS } from './keys.ts';
import { readMeta, type DocMeta } from './meta.ts';
import { grantsSection, type Grant } from './permissions-grants.ts';
import { leasesSection } from './permissions-leases.ts';
import { pluginsSection, type InstalledPlugin } from './permissions-plugins.ts';
import { runsSection } from './permissions-runs.ts';
import { makeWriter, observeRoots, type AccessorOptions } from './writer.ts';

export interface PermissionsState {
  readonly meta?: DocMeta;
  readonly plugins: InstalledPlugin[];
  readonly grants: Grant[];
  readonly activity: ActivityEntry[];
}

export function permissionsDoc(doc: Y.Doc, options: AccessorOptions = {}) {
  const w = makeWriter(doc, 'permissions', options);
  const plugins = pluginsSection(doc, w);
  const grants = grantsSection(doc, w);
  const activity = activitySection(doc, w);
  const leases = leasesSection(doc, w);
  const runs = runsSection(doc, w);
  return {
    plugins,
    grants,
    activity,
    /** How each plugin run ended, refused runs included (permissions-runs.ts). */
    runs,
    /** Who runs each scheduled job at each scheduled time (permissions-leases.ts). */
    leases,
    observe(listener: () => void): () => void {
      const roots = [ROOT_META, ...Object.values(PERMISSIONS)].map((name) => doc.getMap<unknown>(name));
      return observeRoots(doc, roots, listener);
    },
    toJSON(): PermissionsState {
      return { meta: readMeta(doc), plugins: plugins.list(), grants: grants.list(), activity: activity.read() };
    },
  };
}

export type PermissionsDoc = ReturnType<typeof permissionsDoc>;
