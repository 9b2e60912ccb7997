/** Live reply frames and the segments a reader keeps: joining, holes, the durable text catching up, bounds. */
import { describe, expect, it } from 'vitest';
import type { MessageId } from '../ids.ts';
import { cutAt, decodeLive, encodeLive, LiveSegments, MAX_LIVE_REPLIES, MAX_LIVE_TEXT } from './live-reply.ts';

const R = 'reply-1' as MessageId;

describe('live reply frames', () => {
  it('round-trip tokens and asks, and refuse what is not one', () => {
    const tokens = { kind: 'tokens', reply: R, offset: 12, text: 'héllo 👋' } as const;
    expect(decodeLive(encodeLive(tokens))).toEqual(tokens);
    expect(decodeLive(encodeLive({ kind: 'ask', reply: R, offset: 3 }))).toEqual({ kind: 'ask', reply: R, offset: 3 });
    const bad = [
      new Uint8Array([1, 2, 3]),
      new TextEncoder().encode('{"k":"live","r":"x","o":-1,"t":"a"}'),
      new TextEncoder().encode('{"k":"live","r":"x","o":1.5,"t":"a"}'),
      new TextEncoder().encode('{"k":"live","r":"x","o":0,"t":""}'),
      new TextEncoder().encode('{"k":"live","r":"","o":0,"t":"a"}'),
      new TextEncoder().encode(`{"k":"live","r":"x","o":0,"t":"${'a'.repeat(MAX_LIVE_TEXT + 1)}"}`),
      new TextEncoder().encode('{"k":"other","r":"x","o":0}'),
      new TextEncoder().encode('{not json'),
      new TextEncoder().encode('null'),
    ];
    for (const b of bad) expect(decodeLive(b)).toBeNull();
  });

  it('never cut a surrogate pair in two', () => {
    const s = `ab${'👋'}cd`;
    expect(cutAt(s, 3)).toBe(2);
    expect(cutAt(s, 4)).toBe(4);
    expect(cutAt(s, 99)).toBe(s.length);
  });
});

describe('live segments', () => {
  it('show the durable text, then the live text beyond it, joining contiguous and overlapping frames', () => {
    const segs = new LiveSegments();
    expect(segs.view(R, 'Hel')).toBe('Hel');
    segs.add(R, 3, 'lo');
    segs.add(R, 5, ', wor');
    expect(segs.add(R, 5, ', w')).toBe(false); // a repeat adds nothing
    segs.add(R, 7, 'world');
    expect(segs.view(R, 'Hel')).toBe('Hello, world');
    // The durable text catches up: the live text beyond it is still shown, once.
    expect(segs.view(R, 'Hello, w')).toBe('Hello, world');
    expect(segs.view(R, 'Hello, world')).toBe('Hello, world');
    expect(segs.view(R, 'Hello, world!')).toBe('Hello, world!');
  });

  it('report a hole between the durable text and a segment, and show only the durable text until it is filled', () => {
    const segs = new LiveSegments();
    segs.add(R, 10, 'late');
    expect(segs.view(R, 'early')).toBe('early');
    expect(segs.hole(R, 5)).toBe(5);
    segs.add(R, 5, 'text '); // the answer to an ask, joined in front
    expect(segs.hole(R, 5)).toBeNull();
    expect(segs.view(R, 'early')).toBe('earlytext late');
  });

  it('start again after a lost frame', () => {
    const segs = new LiveSegments();
    segs.add(R, 0, 'one ');
    segs.add(R, 9, 'three');
    expect(segs.view(R, 'one ')).toBe('one ');
    expect(segs.view(R, 'one two, ')).toBe('one two, three');
  });

  it('keep a bounded number of replies per sender', () => {
    const segs = new LiveSegments();
    for (let i = 0; i < MAX_LIVE_REPLIES + 3; i++) segs.add(`r${i}` as MessageId, 0, 'x');
    expect(segs.size).toBe(MAX_LIVE_REPLIES);
    expect(segs.has('r0' as MessageId)).toBe(false);
    expect(segs.has(`r${MAX_LIVE_REPLIES + 2}` as MessageId)).toBe(true);
  });
});
