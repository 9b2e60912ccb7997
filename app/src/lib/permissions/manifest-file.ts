/**
 * A plugin manifest the user picked as a file in the app: parsed field by
 * field (it comes from outside), with an entry a worker can find without the
 * file beside it: a shipped plugin (`builtin:NAME`) or an absolute path on the
 * worker's machine. (`tendril plugin install` makes relative entries absolute;
 * the browser cannot know where the file lies.)
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import { parsePluginManifest, type PluginManifest } from '@tendril/crdt-schema/schema';

export const MAX_MANIFEST_BYTES = 256_000;

export function parseManifestFile(text: string): PluginManifest {
  if (text.length > MAX_MANIFEST_BYTES) throw new TendrilError('E_BAD_INPUT', `a plugin manifest is at most ${MAX_MANIFEST_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TendrilError('E_BAD_INPUT', `the file is not a JSON manifest: ${(e as Error).message}`);
  }
  const manifest = parsePluginManifest(json);
  if (!manifest.entry.startsWith('builtin:') && !manifest.entry.startsWith('/')) {
    throw new TendrilError('E_BAD_INPUT', `entry "${manifest.entry}" is relative: in the app, install a manifest whose entry is builtin:NAME or an absolute path on the worker (or install it with tendril plugin install)`);
  }
  return manifest;
}
