/** Installed plugins of the permissions document: one entry per plugin, rewritten on each install or update. */
import * as Y from 'yjs';
import type { DeviceId, PluginId } from '../ids.ts';
import { compareStrings, entryOf, readNumber, readString, type YMap } from './fields.ts';
import { PERMISSIONS, PLUGIN_ENTRY } from './keys.ts';
import { parsePermissionRequest, parsePluginManifest, type PluginManifest } from './plugin-manifest.ts';
import type { Writer } from './writer.ts';

export interface InstalledPlugin extends PluginManifest {
  readonly installedAt: number;
  readonly installedBy: DeviceId;
}

function readPlugin(id: string, m: YMap): InstalledPlugin | undefined {
  const name = readString(m, PLUGIN_ENTRY.name);
  const version = readString(m, PLUGIN_ENTRY.version);
  const entry = readString(m, PLUGIN_ENTRY.entry);
  const installedAt = readNumber(m, PLUGIN_ENTRY.installedAt);
  const installedBy = readString(m, PLUGIN_ENTRY.installedBy);
  if (name === undefined || version === undefined || entry === undefined || installedAt === undefined || installedBy === undefined) return undefined;
  const raw = m.get(PLUGIN_ENTRY.permissions);
  const permissions = (Array.isArray(raw) ? raw : []).flatMap((p) => {
    try {
      return [parsePermissionRequest(p)];
    } catch {
      return [];
    }
  });
  const schedule = readString(m, PLUGIN_ENTRY.schedule);
  const base = {
    id: id as PluginId, name, version, entry, permissions, installedAt, installedBy: installedBy as DeviceId,
    description: readString(m, PLUGIN_ENTRY.description) ?? '',
  };
  return schedule === undefined ? base : { ...base, schedule };
}

export function pluginsSection(doc: Y.Doc, w: Writer) {
  const plugins = doc.getMap<unknown>(PERMISSIONS.plugins);
  return {
    /** Installs or updates a plugin from its manifest (parsed here). Grants are kept across updates. */
    install(manifest: PluginManifest, by: DeviceId): InstalledPlugin {
      const p = parsePluginManifest(manifest);
      const at = w.now();
      const existing = entryOf(plugins, p.id);
      const m: YMap = existing ?? new Y.Map<unknown>();
      w.write(() => {
        if (existing === undefined) plugins.set(p.id, m);
        m.set(PLUGIN_ENTRY.name, p.name);
        m.set(PLUGIN_ENTRY.version, p.version);
        m.set(PLUGIN_ENTRY.description, p.description);
        m.set(PLUGIN_ENTRY.permissions, p.permissions.map((r) => ({ ...r })));
        m.set(PLUGIN_ENTRY.entry, p.entry);
        if (p.schedule === undefined) m.delete(PLUGIN_ENTRY.schedule);
        else m.set(PLUGIN_ENTRY.schedule, p.schedule);
        m.set(PLUGIN_ENTRY.installedAt, at);
        m.set(PLUGIN_ENTRY.installedBy, by);
      });
      return readPlugin(p.id, m)!;
    },
    uninstall(id: PluginId): void {
      if (plugins.has(id)) w.write(() => plugins.delete(id));
    },
    get(id: PluginId): InstalledPlugin | undefined {
      const m = entryOf(plugins, id);
      return m === undefined ? undefined : readPlugin(id, m);
    },
    list(): InstalledPlugin[] {
      const out: InstalledPlugin[] = [];
      for (const id of plugins.keys()) {
        const m = entryOf(plugins, id);
        const p = m === undefined ? undefined : readPlugin(id, m);
        if (p !== undefined) out.push(p);
      }
      return out.sort((a, b) => compareStrings(a.id, b.id));
    },
  };
}
