/** Subscribers never block the stream: a slow one is dropped with a resume point, the others carry on. */
import { describe, expect, it } from 'vitest';
import { OutputStream } from './output-stream.ts';
import { ManualTimers } from './test-support.ts';

function stream(): OutputStream {
  return new OutputStream({ timers: new ManualTimers(), subscriberQueueBytes: 100 });
}
function push(s: OutputStream, n: number, size = 30): void {
  for (let i = 0; i < n; i++) {
    s.append(new Uint8Array(size));
    s.flush();
  }
}
function live(s: OutputStream, maxQueuedBytes?: number) {
  const r = s.subscribe({ maxQueuedBytes });
  if (r.kind !== 'subscribed') throw new Error('expected a subscription');
  return r.subscription;
}

describe('subscriber back-pressure', () => {
  it('drops a subscriber whose queue passes its cap, with the seq to resume from', () => {
    const s = stream();
    const slow = live(s);
    const fast = live(s);
    const seen: number[] = [];
    fast.on('readable', () => seen.push(...fast.take().map((b) => b.seq)));
    push(s, 3);
    expect(slow.closed).toBeUndefined();
    push(s, 1);
    expect(slow.closed).toMatchObject({ code: 'E_SLOW_CONSUMER', resumeSeq: 0 });
    expect(slow.queuedBytes).toBe(0);
    push(s, 5);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(s.subscriberCount).toBe(1);
  });

  it('resumes a dropped subscriber by replay from its resume point', () => {
    const s = stream();
    const slow = live(s);
    slow.take();
    push(s, 2);
    expect(slow.take().map((b) => b.seq)).toEqual([0, 1]);
    push(s, 4);
    const resumeSeq = slow.closed!.resumeSeq;
    expect(resumeSeq).toBe(2);
    const again = s.subscribe({ fromSeq: resumeSeq, maxQueuedBytes: 1000 });
    expect(again.kind === 'subscribed' && again.subscription.take().map((b) => b.seq)).toEqual([2, 3, 4, 5]);
  });

  it('hands batches to a waiting reader and ends iteration when the stream ends', async () => {
    const s = stream();
    const sub = live(s, 1000);
    const got: number[] = [];
    const reading = (async () => {
      for await (const b of sub) got.push(b.seq);
    })();
    push(s, 3);
    s.end();
    await reading;
    expect(got).toEqual([0, 1, 2]);
    expect(sub.closed?.code).toBe('E_SESSION_ENDED');
  });

  it('lets a consumer close itself, reporting where it stopped', () => {
    const s = stream();
    const sub = live(s, 1000);
    push(s, 2);
    sub.next();
    sub.close();
    expect(sub.closed).toMatchObject({ code: 'closed', resumeSeq: 1 });
    push(s, 1);
    expect(s.subscriberCount).toBe(0);
  });
});
