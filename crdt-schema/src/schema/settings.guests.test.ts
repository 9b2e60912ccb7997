import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { newGuestLinkId, toBase64Url, type AgentId } from '../ids.ts';
import { docsWithClients } from '../testkit/sync-docs.ts';
import { codeOf } from '../testkit/error-code.ts';
import { SETTINGS } from './keys.ts';
import type { GuestLinkSettings } from './settings-guests.ts';
import { settingsDoc } from './settings.ts';

const b64 = (n: number): string => toBase64Url(new Uint8Array(32).fill(n));
const entry = (over: Partial<GuestLinkSettings> = {}): GuestLinkSettings => ({
  id: newGuestLinkId(), agent: 'agent-builtin-tools-v1' as AgentId, relay: 'http://127.0.0.1:8787', capSeed: b64(1), boxSecret: b64(2), secret: b64(3),
  code: '4417', expiresAt: 0, maxVisitors: 10, visitorPerMinute: 10, linkPerMinute: 100, dailyTokens: 1000, tools: [], createdAt: 5, endedAt: 0, ...over,
});

describe('settings guest links', () => {
  it('stores links, keeps their keys out of toJSON, and forgets the box secret when a link ends', () => {
    const doc = docsWithClients(1)[0]!;
    const s = settingsDoc(doc);
    const e = entry();
    s.guests.put(e);
    expect(s.guests.list()).toEqual([e]);
    expect(JSON.stringify(s)).not.toContain(b64(2));
    s.guests.end(e.id, 99);
    const ended = s.guests.get(e.id)!;
    expect(ended.endedAt).toBe(99);
    expect(ended.boxSecret).not.toBe(e.boxSecret);
    expect(JSON.stringify(doc.getMap(SETTINGS.guests).toJSON())).not.toContain(b64(2));
  });

  it('refuses a bad entry and skips a malformed stored one', () => {
    const doc = docsWithClients(1)[0]!;
    const s = settingsDoc(doc);
    expect(codeOf(() => s.guests.put(entry({ capSeed: 'short' })))).toBe('E_BAD_INPUT');
    expect(codeOf(() => s.guests.put(entry({ maxVisitors: -1 })))).toBe('E_BAD_INPUT');
    s.guests.put(entry());
    doc.getMap(SETTINGS.guests).set(newGuestLinkId(), { id: 'x' });
    doc.getMap(SETTINGS.guests).set(newGuestLinkId(), new Y.Map());
    expect(s.guests.list()).toHaveLength(1);
  });
});
