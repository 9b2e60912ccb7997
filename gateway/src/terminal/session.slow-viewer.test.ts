/** A viewer that stops reading is dropped; the shell and the other viewers never wait for it. */
import { afterEach, describe, expect, it } from 'vitest';
import type { TerminalSession } from './session.ts';
import { startShellSession, TestViewer, waitFor, WRITER } from './test-support.ts';

const sessions: TerminalSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.end()));
});

describe('a slow viewer', () => {
  it('is dropped with E_SLOW_CONSUMER while a reading viewer gets every byte', async () => {
    const session = await startShellSession();
    sessions.push(session);
    const slow = session.subscribe({ fromSeq: 0, maxQueuedBytes: 64 * 1024 });
    const fast = session.subscribe({ fromSeq: 0, maxQueuedBytes: 64 * 1024 });
    if (slow.kind !== 'subscribed' || fast.kind !== 'subscribed') throw new Error('expected subscriptions');
    const viewer = new TestViewer();
    fast.subscription.on('readable', () => fast.subscription.take().forEach((b) => viewer.apply(b)));

    const data = new TextEncoder().encode('seq 1 100000; echo slow-""done\r');
    expect(session.input({ session: session.id, counter: 1, device: WRITER, data }).ok).toBe(true);
    await waitFor(async () => (await session.screenText()).includes('slow-done'), 'the flood to finish');
    await waitFor(() => viewer.next.seq === session.stream.next.seq, 'the reading viewer to catch up');

    expect(slow.subscription.closed).toMatchObject({ code: 'E_SLOW_CONSUMER' });
    expect(slow.subscription.closed!.resumeSeq).toBeGreaterThanOrEqual(0);
    expect(fast.subscription.closed).toBeUndefined();
    expect(viewer.bytes).toBe(session.stream.next.offset);
    expect(await viewer.text()).toBe(await session.screenText());
  });
});
