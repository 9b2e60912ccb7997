/**
 * Bundles one of the app's TypeScript modules for a plain browser page, so its
 * code can be tested in real Chromium with its real dependencies: the bundle
 * is a classic script that puts the module's exports on `window[name]`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { ROOT } from './build-app.ts';

/** The script text of `entry` (an absolute path) bundled as an IIFE exposing its exports as `window[name]`. */
export async function bundleForBrowser(entry: string, name: string): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'tendril-bundle-'));
  try {
    await build({
      configFile: false,
      root: ROOT,
      // The app's tsconfig extends a file that `svelte-kit sync` writes; the root one compiles plain modules.
      tsconfig: join(ROOT, 'tsconfig.json'),
      logLevel: 'silent',
      build: { outDir, write: true, minify: false, emptyOutDir: true, lib: { entry, name, formats: ['iife'], fileName: () => 'bundle.js' } },
    });
    return readFileSync(join(outDir, 'bundle.js'), 'utf8');
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
