import { describe, expect, it } from 'vitest';
import { RunSlots } from './run-slots.ts';

describe('RunSlots', () => {
  it('holds at most its size and hands slots on in arrival order', async () => {
    const slots = new RunSlots(2);
    const order: string[] = [];
    const take = (name: string) => slots.acquire().then((release) => (order.push(name), release));
    const a = await take('a');
    const b = await take('b');
    const c = take('c');
    const d = take('d');
    await Promise.resolve();
    expect([slots.active, slots.queued, order]).toEqual([2, 2, ['a', 'b']]);
    a();
    a(); // A second release of the same slot frees nothing more.
    await c;
    expect([slots.active, slots.queued, order]).toEqual([2, 1, ['a', 'b', 'c']]);
    b();
    (await d)();
    expect([slots.active, slots.queued, order]).toEqual([1, 0, ['a', 'b', 'c', 'd']]);
  });

  it('refuses a limit below one', () => {
    expect(() => new RunSlots(0)).toThrow(/positive integer/);
  });
});
