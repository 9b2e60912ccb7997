/**
 * The mirror thread yields the CPU first: on Linux it lowers its own
 * scheduling priority (nice is per thread there), and only its own, so in a
 * flood the shell, the viewers' stream and the relay run ahead of the parse.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { ScreenMirror } from './screen-mirror.ts';

/** Nice value of each thread of this process (field 19 of /proc/self/task/TID/stat). */
function threadNices(): number[] {
  const nices: number[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      nices.push(Number(fields[16]));
    } catch {
      // The thread ended while listing.
    }
  }
  return nices;
}

const mirrors: ScreenMirror[] = [];
afterEach(async () => {
  await Promise.all(mirrors.splice(0).map((m) => m.close()));
});

describe.runIf(process.platform === 'linux')('the mirror thread priority', () => {
  it('runs below the gateway thread, which keeps its own priority', async () => {
    const own = getPriority(0);
    const before = threadNices().filter((n) => n > own).length;
    const mirror = new ScreenMirror({ cols: 80, rows: 24, periodic: { everyBytes: Infinity } });
    mirrors.push(mirror);
    await mirror.screenText(); // the worker is up
    expect(threadNices().filter((n) => n > own).length).toBeGreaterThan(before);
    expect(getPriority(0)).toBe(own);
  });
});
