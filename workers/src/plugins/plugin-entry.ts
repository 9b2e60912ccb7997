/**
 * Where a plugin's code is on this worker. A manifest's entry is either
 * `builtin:NAME` (a plugin shipped in workers/plugins/NAME/index.mjs), an
 * absolute path, or a path relative to the worker's plugin folder. Plugin
 * code is plain JavaScript (ES modules): it runs in a worker thread without
 * a TypeScript loader. The folder holding the entry is the plugin's package:
 * the only place its code may import from.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { parsePluginManifest, type PluginManifest } from '@tendril/crdt-schema/schema';

/** The shipped plugins' folder. */
export const BUILTIN_PLUGINS_DIR = resolve(import.meta.dirname, '../../plugins');
const BUILTIN = /^builtin:([a-z0-9-]{1,64})$/;

export interface ResolvedEntry {
  /** file: URL of the entry module. */
  readonly entry: string;
  /** file: URL of the package folder, ending in '/'. */
  readonly root: string;
}

export interface EntryOptions {
  readonly builtinDir?: string;
  /** Where relative entries are looked up (the worker's plugin folder). */
  readonly pluginDir?: string;
}

export function resolveEntry(entry: string, o: EntryOptions = {}): ResolvedEntry {
  const builtin = BUILTIN.exec(entry);
  let file: string;
  if (builtin) file = join(o.builtinDir ?? BUILTIN_PLUGINS_DIR, builtin[1]!, 'index.mjs');
  else if (isAbsolute(entry)) file = resolve(entry);
  else if (o.pluginDir) file = resolve(o.pluginDir, entry);
  else throw new TendrilError('E_BAD_INPUT', `plugin entry ${entry} is relative and this worker has no plugin folder`);
  if (!/\.(mjs|js)$/.test(file)) throw new TendrilError('E_BAD_INPUT', `plugin entry ${entry} must be a JavaScript module (.mjs or .js)`);
  if (!existsSync(file)) throw new TendrilError('E_BAD_INPUT', `plugin entry ${file} does not exist on this worker`);
  const root = pathToFileURL(dirname(file)).href;
  return { entry: pathToFileURL(file).href, root: root.endsWith('/') ? root : `${root}/` };
}

/**
 * Reads a manifest file (or `builtin:NAME` for a shipped plugin's). A relative
 * entry is made absolute against the manifest's folder, so it can be found
 * when the plugin runs on this machine.
 */
export function loadManifest(source: string, cwd: string): PluginManifest {
  const builtin = BUILTIN.exec(source);
  const path = builtin ? join(BUILTIN_PLUGINS_DIR, builtin[1]!, 'manifest.json') : resolve(cwd, source);
  if (!existsSync(path)) throw new TendrilError('E_BAD_INPUT', `no plugin manifest at ${path}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new TendrilError('E_BAD_INPUT', `${path} is not valid JSON`, { cause });
  }
  const manifest = parsePluginManifest(raw);
  if (BUILTIN.test(manifest.entry) || isAbsolute(manifest.entry)) return manifest;
  return { ...manifest, entry: resolve(dirname(path), manifest.entry) };
}
