/** Inactive sessions: idle for the configured hours, listed apart, collapsed past ten, told to their owner. */
import { describe, expect, it } from 'vitest';
import type { DeviceId, DocId, SessionId } from '@tendril/crdt-schema/ids';
import type { SessionEntry } from '@tendril/crdt-schema/schema';
import { inactiveNotice, INACTIVE_COLLAPSE_OVER, isInactive, ownedInactive, spellKey, splitSessions } from './idle-sessions.ts';

const H = 3_600_000;
const ME = 'M'.repeat(43) as DeviceId;
const OTHER = 'O'.repeat(43) as DeviceId;
const NOW = 1_000 * H;

const entry = (id: string, state: SessionEntry['state'], quietH: number, over: Partial<SessionEntry> = {}): SessionEntry => ({
  id: id as SessionId, docId: `d${id}` as DocId, gateway: 'G'.repeat(43) as DeviceId, title: id, state,
  createdAt: 0, updatedAt: NOW - quietH * H, requestedBy: ME, ...over,
});

describe('inactive sessions', () => {
  it('are the ones idle for at least the configured hours, never running or ended ones', () => {
    expect(isInactive(entry('a', 'idle', 24), NOW, 24)).toBe(true);
    expect(isInactive(entry('a', 'idle', 23.9), NOW, 24)).toBe(false);
    expect(isInactive(entry('a', 'idle', 2), NOW, 1)).toBe(true);
    expect(isInactive(entry('a', 'running', 100), NOW, 24)).toBe(false);
    expect(isInactive(entry('a', 'ended', 100), NOW, 24)).toBe(false);
  });

  it('are listed apart in order, and start collapsed only when there are more than ten', () => {
    const list = [entry('a', 'running', 0), entry('b', 'idle', 30), entry('c', 'ended', 50), entry('d', 'idle', 25)];
    const s = splitSessions(list, NOW, 24);
    expect(s.active.map((e) => e.id)).toEqual(['a', 'c']);
    expect(s.inactive.map((e) => e.id)).toEqual(['b', 'd']);
    expect(s.collapsed).toBe(false);
    const many = Array.from({ length: INACTIVE_COLLAPSE_OVER + 1 }, (_, i) => entry(`s${i}`, 'idle', 48));
    expect(splitSessions(many.slice(1), NOW, 24).collapsed).toBe(false);
    expect(splitSessions(many, NOW, 24).collapsed).toBe(true);
  });

  it('are told to the device that started them, unless already asked to end', () => {
    const list = [entry('mine', 'idle', 30), entry('theirs', 'idle', 30, { requestedBy: OTHER }), entry('ending', 'idle', 30, { endRequest: new Uint8Array(1) })];
    expect(ownedInactive(list, ME, NOW, 24).map((e) => e.id)).toEqual(['mine']);
    expect(inactiveNotice(ownedInactive(list, ME, NOW, 24), 24)).toBe('1 terminal session inactive for 24 h: mine');
    expect(inactiveNotice([entry('a', 'idle', 30), entry('b', 'idle', 30)], 48)).toBe('2 terminal sessions inactive for 48 h: a, b');
  });

  it('count a new quiet spell as new', () => {
    expect(spellKey(entry('a', 'idle', 30))).not.toBe(spellKey(entry('a', 'idle', 29)));
  });
});
