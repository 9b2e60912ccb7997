import { describe, expect, it } from 'vitest';
import type { DeviceId, PluginId } from '../ids.ts';
import { docsWithClients, syncDocs } from '../testkit/sync-docs.ts';
import { permissionsDoc } from './permissions.ts';
import { parsePluginManifest, type PluginManifest } from './plugin-manifest.ts';

const ME = 'A'.repeat(43) as DeviceId;
const PLUGIN = 'PPPPPPPPPPPPPPPPPPPPPP' as PluginId;
const manifest: PluginManifest = {
  id: PLUGIN,
  name: 'Daily digest',
  version: '1.0.0',
  description: 'Summarises notes every morning',
  permissions: [{ kind: 'read-folder', resource: '/notes', reason: 'to read your notes' }],
  schedule: '0 7 * * *',
  entry: 'dist/main.js',
};

describe('plugins and grants', () => {
  it('parses manifests strictly', () => {
    expect(parsePluginManifest(manifest)).toEqual(manifest);
    expect(() => parsePluginManifest({ ...manifest, id: 'x' })).toThrow(/PluginId/);
    expect(() => parsePluginManifest({ ...manifest, schedule: 'every day' })).toThrow(/cron/);
    expect(() => parsePluginManifest({ ...manifest, permissions: [{ kind: 'root', resource: '/', reason: 'r' }] })).toThrow(/kind/);
    expect(() => parsePluginManifest(null)).toThrow(/object/);
  });

  it('installs and updates a plugin', () => {
    const p = permissionsDoc(docsWithClients(1)[0]!, { now: () => 3 });
    p.plugins.install(manifest, ME);
    expect(p.plugins.get(PLUGIN)).toEqual({ ...manifest, installedAt: 3, installedBy: ME });
    const { schedule: _dropped, ...unscheduled } = manifest;
    p.plugins.install({ ...unscheduled, version: '1.1.0' }, ME);
    expect(p.plugins.get(PLUGIN)).toMatchObject({ version: '1.1.0' });
    expect(p.plugins.get(PLUGIN)?.schedule).toBeUndefined();
    p.plugins.uninstall(PLUGIN);
    expect(p.plugins.list()).toEqual([]);
  });

  it('grants, denies and revokes per plugin, kind and resource', () => {
    const p = permissionsDoc(docsWithClients(1)[0]!, { now: () => 9 });
    const notes = { plugin: PLUGIN, kind: 'read-folder' as const, resource: '/notes' };
    const secrets = { ...notes, resource: '/secrets' };
    expect(p.grants.isAllowed(notes)).toBe(false);
    p.grants.decide(notes, 'granted', ME);
    expect(p.grants.isAllowed(notes)).toBe(true);
    expect(p.grants.isAllowed(secrets)).toBe(false);
    p.grants.decide({ ...notes, resource: '*' }, 'granted', ME);
    expect(p.grants.isAllowed(secrets)).toBe(true);
    p.grants.decide(secrets, 'denied', ME);
    expect(p.grants.isAllowed(secrets)).toBe(false);
    p.grants.revoke(notes, ME);
    expect(p.grants.get(notes)).toMatchObject({ decision: 'granted', revokedAt: 9, revokedBy: ME });
    expect(p.grants.isAllowed(notes)).toBe(true);
    p.grants.revoke({ ...notes, resource: '*' }, ME);
    expect(p.grants.isAllowed(notes)).toBe(false);
    expect(p.grants.list(PLUGIN)).toHaveLength(3);
  });

  it('resolves a grant racing a revocation the same way on both peers', () => {
    const [da, db] = docsWithClients(2) as [never, never];
    const a = permissionsDoc(da);
    const b = permissionsDoc(db);
    const target = { plugin: PLUGIN, kind: 'network' as const, resource: 'api.example.com' };
    a.grants.decide(target, 'granted', ME);
    syncDocs(da, db);
    a.grants.revoke(target, ME);
    b.grants.decide(target, 'denied', ME);
    syncDocs(da, db);
    expect(a.grants.get(target)).toEqual(b.grants.get(target));
    expect(a.grants.isAllowed(target)).toBe(false);
  });
});
