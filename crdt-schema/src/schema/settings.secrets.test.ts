import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { docsWithClients, syncDocs } from '../testkit/sync-docs.ts';
import { parseProviderId } from './settings-providers.ts';
import { settingsDoc } from './settings.ts';

const SECRET = 'sk-test-0123456789abcdef';
const OPENAI = parseProviderId('openai');

describe('settings', () => {
  it('never shows an API key except through getApiKey', () => {
    const s = settingsDoc(docsWithClients(1)[0]!);
    s.upsertProvider({ id: OPENAI, kind: 'openai', baseUrl: 'https://api.example.com/v1', models: ['m-large', 'm-small'] });
    s.setApiKey(OPENAI, SECRET);
    expect(s.getApiKey(OPENAI)).toBe(SECRET);
    const shown = [JSON.stringify(s), String(s), inspect(s, { depth: 5 }), JSON.stringify(s.providers()), JSON.stringify(s.provider(OPENAI))];
    for (const text of shown) expect(text).not.toContain(SECRET);
    expect(s.provider(OPENAI)).toEqual({
      id: OPENAI, kind: 'openai', baseUrl: 'https://api.example.com/v1', models: ['m-large', 'm-small'], enabled: true, hasApiKey: true,
    });
    s.setApiKey(OPENAI, undefined);
    expect(s.provider(OPENAI)?.hasApiKey).toBe(false);
  });

  it('keeps the key when a provider is updated', () => {
    const s = settingsDoc(docsWithClients(1)[0]!);
    s.upsertProvider({ id: OPENAI, kind: 'openai' });
    s.setApiKey(OPENAI, SECRET);
    s.upsertProvider({ id: OPENAI, kind: 'openai', models: ['x'], enabled: false });
    expect(s.getApiKey(OPENAI)).toBe(SECRET);
    expect(s.provider(OPENAI)).toMatchObject({ models: ['x'], enabled: false });
  });

  it('stores preferences with defaults and validates them', () => {
    const s = settingsDoc(docsWithClients(1)[0]!);
    expect(s.toJSON()).toMatchObject({ theme: 'system', systemPrompt: '', providers: [] });
    s.setTheme('dark');
    s.setSystemPrompt('Be brief.');
    s.setRelayUrl('wss://relay.example.com');
    s.setDefaultModel({ provider: OPENAI, model: 'm-large' });
    expect(s.toJSON()).toMatchObject({ theme: 'dark', systemPrompt: 'Be brief.', relayUrl: 'wss://relay.example.com', defaultModel: { provider: OPENAI, model: 'm-large' } });
    expect(() => s.setRelayUrl('http://relay')).toThrow(/ws: or wss:/);
    expect(() => s.setTheme('neon' as never)).toThrow(/theme/);
    expect(() => parseProviderId('Open AI')).toThrow(/provider id/);
    expect(() => s.upsertProvider({ id: OPENAI, kind: 'openai', baseUrl: 'ftp://x' })).toThrow(/baseUrl/);
  });

  it('merges concurrent edits from two devices', () => {
    const [da, db] = docsWithClients(2) as [never, never];
    const a = settingsDoc(da);
    const b = settingsDoc(db);
    a.upsertProvider({ id: OPENAI, kind: 'openai' });
    syncDocs(da, db);
    a.setApiKey(OPENAI, SECRET);
    b.setModels(OPENAI, ['m']);
    b.setTheme('light');
    syncDocs(da, db);
    expect(a.toJSON()).toEqual(b.toJSON());
    expect(b.getApiKey(OPENAI)).toBe(SECRET);
    expect(a.provider(OPENAI)?.models).toEqual(['m']);
  });
});
