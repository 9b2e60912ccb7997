import { describe, expect, it } from 'vitest';
import { isDangerous } from '@tendril/crdt-schema/schema';
import { BUILTIN_PLUGINS_DIR, loadManifest } from './plugin-entry.ts';
import { BUILTIN_CATALOG } from './plugin-catalog.ts';
import { readdirSync } from 'node:fs';

describe('plugin catalog', () => {
  it('holds every shipped plugin, as its manifest file says', () => {
    const shipped = readdirSync(BUILTIN_PLUGINS_DIR, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(BUILTIN_CATALOG.map((m) => m.entry.replace('builtin:', '')).sort()).toEqual(shipped);
    for (const m of BUILTIN_CATALOG) expect(loadManifest(m.entry, '/')).toEqual(m);
  });

  it('marks browser history as dangerous', () => {
    const browser = BUILTIN_CATALOG.find((m) => m.entry === 'builtin:browser-history')!;
    expect(browser.permissions.filter((p) => isDangerous(p.kind, p.resource, p.dangerous)).map((p) => p.kind)).toEqual(['read_browser_history']);
  });
});
