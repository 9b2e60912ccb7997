/** A late joiner on a real shell: snapshot + replay shows exactly the gateway's screen. */
import { afterEach, describe, expect, it } from 'vitest';
import type { TerminalSession } from './session.ts';
import { startShellSession, TestViewer, waitFor, WRITER } from './test-support.ts';

const sessions: TerminalSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.end()));
});

const SCRIPT = `i=0; while [ $i -lt 1500 ]; do i=$((i+1)); printf '\\033[3%dm%d\\033[0m line \\342\\202\\254 %d\\n' $((i%8)) $i $i; done; echo restore-""done\r`;

describe('a late joiner', () => {
  it('restores the snapshot, replays after it, and sees the gateway screen', async () => {
    const session = await startShellSession();
    sessions.push(session);
    expect(session.input({ session: session.id, counter: 1, device: WRITER, data: new TextEncoder().encode(SCRIPT) }).ok).toBe(true);
    await waitFor(() => session.stream.next.offset > 20_000, 'output to build up');

    const join = await session.join();
    expect(join.snapshot).toBeDefined();
    const viewer = new TestViewer();
    await viewer.restore(join.snapshot!);
    join.subscription.on('readable', () => join.subscription.take().forEach((b) => viewer.apply(b)));
    join.subscription.take().forEach((b) => viewer.apply(b));

    await waitFor(async () => (await session.screenText()).includes('restore-done'), 'the script to finish');
    await waitFor(() => viewer.next.seq === session.stream.next.seq, 'the viewer to catch up');
    const gateway = await session.screenText();
    expect(gateway).toMatch(/1500 line € 1500\nrestore-done/);
    expect(await viewer.text()).toBe(gateway);
    expect(viewer.screen.scrollbackLines).toBe(1000);
  });
});
