import { describe, expect, it } from 'vitest';
import { parseThreadMessage } from './plugin-protocol.ts';

describe('plugin thread messages', () => {
  it('parses the four message types', () => {
    expect(parseThreadMessage({ type: 'call', id: 3, op: 'readFile', args: { path: '/x' } })).toEqual({ type: 'call', id: 3, op: 'readFile', args: { path: '/x' } });
    expect(parseThreadMessage({ type: 'call', id: 0, op: 'getState' })).toEqual({ type: 'call', id: 0, op: 'getState', args: {} });
    expect(parseThreadMessage({ type: 'done', summary: 'ok' })).toEqual({ type: 'done', summary: 'ok' });
    expect(parseThreadMessage({ type: 'done' })).toEqual({ type: 'done', summary: '' });
    expect(parseThreadMessage({ type: 'failed', message: 'x'.repeat(20_000) })).toMatchObject({ type: 'failed' });
    expect((parseThreadMessage({ type: 'failed', message: 'x'.repeat(20_000) }) as { message: string }).message).toHaveLength(10_000);
    expect(parseThreadMessage({ type: 'log', line: 'hi' })).toEqual({ type: 'log', line: 'hi' });
  });

  it.each([
    null, 'call', [], { type: 'call', id: -1, op: 'readFile' }, { type: 'call', id: 1.5, op: 'readFile' },
    { type: 'call', id: 1, op: 'spawnShell' }, { type: 'call', id: 1, op: 'readFile', args: [1] },
    { type: 'call', id: '1', op: 'readFile' }, { type: 'log' }, { type: 'reply', id: 1, ok: true },
  ])('refuses %j', (m) => {
    expect(parseThreadMessage(m)).toBeUndefined();
  });
});
