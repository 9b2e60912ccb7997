/** Keys for this session only reach this tab's runners and never the settings document (so never the relay or a backup). */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { parseProviderId, settingsDoc } from '@tendril/crdt-schema/schema';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import { pageProviders } from '../agent/page-providers.ts';
import { SessionKeys, withSessionKeys } from './session-keys.ts';

describe('session-only provider keys', () => {
  it('are used by the tab but never written to the settings document', async () => {
    const crypto = await loadCrypto();
    const doc = new Y.Doc();
    const settings = settingsDoc(doc);
    const id = parseProviderId('openai');
    settings.upsertProvider({ id, kind: 'openai', models: ['gpt-4o-mini'] });
    const before = Y.encodeStateAsUpdate(doc);
    const keys = new SessionKeys();
    const secret = `sk-session-${Buffer.from(crypto.randomBytes(12)).toString('hex')}`;
    keys.set(id, secret);
    const view = withSessionKeys(settings, keys);
    expect(view.getApiKey(id)).toBe(secret);
    expect(view.providers()[0]!.hasApiKey).toBe(true);
    expect(settings.getApiKey(id)).toBeUndefined();
    expect(settings.providers()[0]!.hasApiKey).toBe(false);
    // Nothing reached the document: the state is byte for byte what it was, and holds no trace of the key.
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
    expect(Buffer.from(Y.encodeStateAsUpdate(doc)).includes(secret)).toBe(false);
    // The tab's runner picks the provider up with the session key (without it there is nothing to run with).
    const policy = { connectSrc: ['*'], proxy: true } as unknown as Parameters<typeof pageProviders>[1];
    expect(pageProviders(settings, policy, 'http://localhost')).toBeNull();
    expect(pageProviders(view, policy, 'http://localhost')).not.toBeNull();
    expect(JSON.stringify({ keys })).not.toContain(secret);
    keys.forget(id);
    expect(view.getApiKey(id)).toBeUndefined();
  });
});
