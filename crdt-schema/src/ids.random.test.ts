/** Random ids: 22 base64url characters that parse back, and never start with '-' (a command line would read them as options). */
import { describe, expect, it } from 'vitest';
import { newAgentId, newChatId, newDocId, parseDocId } from './ids.ts';

describe('random ids', () => {
  it('never starts with a dash over 100,000 draws (1 in 64 did), and each parses as an id', () => {
    for (const make of [newDocId, newChatId, newAgentId]) {
      for (let i = 0; i < 100_000 / 3; i++) {
        const id = make();
        if (id[0] === '-') expect.fail(`${id} starts with a dash`);
      }
      const id = make();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(parseDocId(id)).toBe(id);
    }
  });
});
