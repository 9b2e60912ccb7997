/**
 * A flood the screen mirror cannot keep up with (coloured lines, which it
 * cannot coalesce, against a 64 KiB high-water mark): the shell is never
 * paused, the mirror's backlog stays under its bound because it drops what
 * it has not parsed and rebuilds, and both the mirror and a late joiner end
 * with the screen the whole output draws.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HeadlessScreen } from './headless-screen.ts';
import { PtyProcess } from './pty-process.ts';
import type { TerminalSession } from './session.ts';
import { startShellSession, TestViewer, waitFor, WRITER } from './test-support.ts';

const HIGH_WATER = 64 * 1024;
const REBUILD = 32 * 1024;
const MAX_BATCH = 16 * 1024;
const LINES = 200_000;

const sessions: TerminalSession[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(sessions.splice(0).map((s) => s.end()));
});

describe('a flood faster than the screen mirror', () => {
  it('never pauses the shell, keeps the backlog bounded and ends on the right screen', async () => {
    const pauses = vi.spyOn(PtyProcess.prototype, 'pause');
    const session = await startShellSession({
      stream: { maxBatchBytes: MAX_BATCH, ringBytes: 256 * 1024 },
      mirror: { highWaterBytes: HIGH_WATER, rebuildBytes: REBUILD, periodic: { everyBytes: Infinity } },
    });
    sessions.push(session);
    const output: Uint8Array[] = [];
    let maxBacklog = 0;
    session.stream.on('batch', (b) => {
      output.push(b.bytes);
      maxBacklog = Math.max(maxBacklog, session.mirrorBacklogBytes);
    });

    const flood = `awk 'BEGIN { for (i = 1; i <= ${LINES}; i++) printf "\\033[3%dm%d\\033[0m \\033[1mline\\033[0m\\n", i % 8, i }'; echo flood-""done\r`;
    expect(session.input({ session: session.id, counter: 1, device: WRITER, data: new TextEncoder().encode(flood) }).ok).toBe(true);
    await waitFor(async () => /^\d+ line\nflood-done\n\$ ?$/m.test(await session.screenText()), 'the flood to finish', 60_000);

    // The screen the whole output draws, parsed from the first byte.
    const exact = new HeadlessScreen({ cols: 80, rows: 24, scrollback: 1000 });
    await exact.write(Buffer.concat(output));
    const expected = exact.screenText();
    exact.dispose();
    expect(expected).toMatch(new RegExp(`^${LINES} line\\nflood-done\\n\\$ ?$`, 'm'));

    const bytes = output.reduce((n, b) => n + b.length, 0);
    console.log(`flood ${bytes} bytes, mirror rebuilt ${session.mirrorRebuilds} times, backlog at most ${maxBacklog} bytes`);
    expect(bytes).toBeGreaterThan(20 * HIGH_WATER);
    expect(session.mirrorRebuilds).toBeGreaterThan(0);
    expect(pauses).not.toHaveBeenCalled();
    expect(maxBacklog).toBeLessThanOrEqual(HIGH_WATER + 2 * REBUILD + 3 * MAX_BATCH);
    expect(await session.screenText()).toBe(expected);

    // A late joiner: the ring has moved on, so it restores a snapshot of the rebuilt screen.
    const join = await session.join({ fromSeq: 0 });
    expect(join.snapshot?.rebuilt).toBe(true);
    const viewer = new TestViewer();
    await viewer.restore(join.snapshot!);
    for (const b of join.subscription.take()) viewer.apply(b);
    join.subscription.close();
    expect(await viewer.text()).toBe(expected);
  });
});
