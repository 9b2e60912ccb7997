/** A delivery that throws (a listener's bug) neither stalls nor reorders the frames behind it. */
import { describe, expect, it } from 'vitest';
import { LiveQueue } from './live-queue.ts';

describe('LiveQueue', () => {
  it('delivers the frames behind a throwing delivery at once, in order, and reports the error', async () => {
    const errors: unknown[] = [];
    const queue = new LiveQueue((e) => errors.push(e));
    const owner = {};
    const seen: string[] = [];
    let release!: (ok: boolean) => void;
    const check = new Promise<boolean>((r) => (release = r));
    queue.push(owner, (v) => {
      seen.push(`a:${v}`);
      throw new Error('listener bug');
    }, check);
    queue.push(owner, () => seen.push('b'));
    queue.push(owner, () => seen.push('c'));
    expect(seen).toEqual([]);
    release(true);
    await check;
    await Promise.resolve();
    // Nothing else arrives on the connection: b and c must not wait for another frame.
    expect(seen).toEqual(['a:true', 'b', 'c']);
    expect(queue.size).toBe(0);
    expect(errors.map((e) => (e as Error).message)).toEqual(['listener bug']);
  });
});
