import { describe, expect, it } from 'vitest';
import { parseManifestFile } from './manifest-file.ts';

const base = { id: 'p'.repeat(22), name: 'Notes', version: '1.0.0', description: 'd', permissions: [{ kind: 'read-folder', resource: '/notes', reason: 'reads notes' }] };

describe('manifest file', () => {
  it('accepts a shipped or absolute entry, keeping dangerous marks', () => {
    expect(parseManifestFile(JSON.stringify({ ...base, entry: 'builtin:folder-indexer' })).entry).toBe('builtin:folder-indexer');
    const m = parseManifestFile(JSON.stringify({ ...base, entry: '/opt/plugins/notes/index.mjs', permissions: [{ kind: 'read_browser_history', resource: '*', reason: 'r', dangerous: true }] }));
    expect(m.permissions[0]).toEqual({ kind: 'read_browser_history', resource: '*', reason: 'r', dangerous: true });
  });

  it('refuses what a worker could not run or the schema does not allow, saying why', () => {
    expect(() => parseManifestFile('{ not json')).toThrow(/not a JSON manifest/);
    expect(() => parseManifestFile(JSON.stringify({ ...base, entry: 'index.mjs' }))).toThrow(/entry "index.mjs" is relative/);
    expect(() => parseManifestFile(JSON.stringify({ ...base, entry: '/x.mjs', permissions: [{ kind: 'shell', resource: '*', reason: 'r' }] }))).toThrow(/permission kind/);
    expect(() => parseManifestFile(JSON.stringify({ ...base, entry: '/x.mjs', permissions: [{ kind: 'read_browser_history', resource: '*', reason: 'r' }] }))).toThrow(/dangerous: true/);
  });
});
