/**
 * A chat's own options: unset reads as the workspace default, an edit is
 * checked whole (bad input changes nothing), fields merge per field across
 * devices, and chat presets are saved, found and removed by name without case.
 */
import { describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import type { ChatId, DeviceId } from '../ids.ts';
import { docsWithClients, syncDocs } from '../testkit/sync-docs.ts';
import { chatDoc } from './chat.ts';
import { presetPatch } from './settings-chat-presets.ts';
import { parseProviderId } from './settings-providers.ts';
import { settingsDoc } from './settings.ts';

const ME = 'U'.repeat(43) as DeviceId;
const CLOUD = parseProviderId('cloud');

function twoDevices() {
  const [da, db] = docsWithClients(2) as [Y.Doc, Y.Doc];
  const a = chatDoc(da);
  a.init({ chatId: 'c'.repeat(22) as ChatId });
  syncDocs(da, db);
  return { a, b: chatDoc(db), sync: () => syncDocs(da, db) };
}

describe('chat options', () => {
  it('start empty (the workspace defaults) and set and clear field by field', () => {
    const { a } = twoDevices();
    expect(a.options()).toEqual({});
    a.setOptions({ model: { provider: CLOUD, model: 'fast' }, temperature: 1.2 });
    a.setOptions({ systemPrompt: 'be brief' });
    expect(a.options()).toEqual({ model: { provider: CLOUD, model: 'fast' }, systemPrompt: 'be brief', temperature: 1.2 });
    a.setOptions({ model: null });
    expect(a.options()).toEqual({ systemPrompt: 'be brief', temperature: 1.2 });
  });

  it('refuse bad input whole, changing nothing', () => {
    const { a } = twoDevices();
    a.setOptions({ systemPrompt: 'kept' });
    expect(() => a.setOptions({ systemPrompt: 'lost', temperature: 3 })).toThrow(/temperature is a number from 0 to 2/);
    expect(() => a.setOptions({ temperature: Number.NaN })).toThrow(/temperature/);
    expect(() => a.setOptions({ model: { provider: 'not a provider!' as never, model: 'x' } })).toThrow();
    expect(() => a.setOptions({ model: { provider: CLOUD, model: '' } })).toThrow();
    expect(a.options()).toEqual({ systemPrompt: 'kept' });
  });

  it('merge per field when two devices change different fields at once', () => {
    const { a, b, sync } = twoDevices();
    a.setOptions({ temperature: 0.5 });
    b.setOptions({ systemPrompt: 'from b' });
    sync();
    expect(a.options()).toEqual({ systemPrompt: 'from b', temperature: 0.5 });
    expect(b.options()).toEqual(a.options());
  });
});

describe('chat presets', () => {
  it('are saved, replaced and removed by name without case, and applied whole', () => {
    const [d] = docsWithClients(1) as [Y.Doc];
    const s = settingsDoc(d);
    s.chatPresets.save({ name: 'Writer', systemPrompt: 'write well', temperature: 0.9 }, ME);
    s.chatPresets.save({ name: 'coder', model: { provider: CLOUD, model: 'fast' } });
    expect(s.chatPresets.list().map((p) => p.name)).toEqual(['coder', 'Writer']);
    s.chatPresets.save({ name: 'WRITER', temperature: 0.1 });
    expect(s.chatPresets.list()).toHaveLength(2);
    expect(s.chatPresets.get('writer')).toMatchObject({ name: 'WRITER', temperature: 0.1 });
    expect(s.chatPresets.get('writer')?.systemPrompt).toBeUndefined();
    expect(presetPatch(s.chatPresets.get('writer')!)).toEqual({ model: null, systemPrompt: null, temperature: 0.1 });
    expect(() => s.chatPresets.save({ name: '  ', temperature: 0.1 })).toThrow(/name/);
    expect(() => s.chatPresets.save({ name: 'hot', temperature: 9 })).toThrow(/temperature/);
    expect(s.chatPresets.get('hot')).toBeUndefined();
    s.chatPresets.remove('Coder');
    expect(s.chatPresets.list().map((p) => p.name)).toEqual(['WRITER']);
    expect(() => s.chatPresets.remove('coder')).toThrow(/no chat preset/);
    expect(s.toJSON().chatPresets).toHaveLength(1);
  });
});
