import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { docsWithClients, syncDocs } from '../testkit/sync-docs.ts';
import { SETTINGS } from './keys.ts';
import { settingsDoc } from './settings.ts';

describe('settings price overrides', () => {
  it('keeps both devices\' prices for two models set at once, by lower-case model name', () => {
    const [a, b] = docsWithClients(2);
    settingsDoc(a!).prices.set({ model: 'GPT-4o', input: 1, output: 2 });
    settingsDoc(b!).prices.set({ model: 'claude-3-5-haiku', input: 0.5, output: 0 });
    syncDocs(a!, b!);
    expect(settingsDoc(b!).prices.list()).toEqual([{ model: 'claude-3-5-haiku', input: 0.5, output: 0 }, { model: 'gpt-4o', input: 1, output: 2 }]);
    settingsDoc(a!).prices.remove('gpt-4o');
    expect(settingsDoc(a!).prices.list().map((p) => p.model)).toEqual(['claude-3-5-haiku']);
  });

  it('refuses a price that is negative, not a number or absurd, and ignores one a writer stored anyway', () => {
    const [doc] = docsWithClients(1);
    const s = settingsDoc(doc!);
    for (const bad of [-1, Number.NaN, Infinity, 10_001]) expect(() => s.prices.set({ model: 'm', input: bad, output: 1 })).toThrow(/price in USD per million tokens/);
    expect(() => s.prices.set({ model: '   ', input: 1, output: 1 })).toThrow();
    const raw = doc!.getMap<unknown>(SETTINGS.prices);
    doc!.transact(() => {
      raw.set('cheap', { input: -5, output: 1 });
      raw.set('odd', 'free');
      raw.set('fine', { input: 3, output: 4 });
    });
    expect(s.prices.list()).toEqual([{ model: 'fine', input: 3, output: 4 }]);
    expect(raw).toBeInstanceOf(Y.Map);
  });
});
