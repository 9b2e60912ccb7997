/**
 * The daily cost alert against a real local webhook: one message the first time a UTC day's
 * estimated cost passes the amount, none more that day, one again the next day; a webhook that
 * fails or cannot be reached is logged and tried again later the same day, never thrown.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../testing/manual-clock.ts';
import { waitFor } from '../testing/wait.ts';
import { createCostAlert, postJson, type CostAlertMessage } from './cost-alert.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

/** A webhook that answers `status()` and keeps every message it got. */
async function webhook(status: () => number = () => 204) {
  const got: { message: CostAlertMessage; contentType: string | undefined }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ message: JSON.parse(body) as CostAlertMessage, contentType: req.headers['content-type'] });
      res.writeHead(status()).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got };
}

/** The real post, counted when it starts: a post not started is seen at once, without waiting. */
function counted() {
  const c = { posts: 0, post: (url: string, m: CostAlertMessage) => { c.posts++; return postJson(url, m); } };
  return c;
}

const DAY = 86_400_000;
const MIDNIGHT = Date.UTC(2026, 11, 7);

describe('daily cost alert', () => {
  it('posts once when the day passes the amount, not again that day, and again the next day', async () => {
    const hook = await webhook();
    const clock = manualClock(MIDNIGHT + 3_600_000);
    const logs: string[] = [];
    const log = { info: (e: string) => void logs.push(e), warn: (e: string) => void logs.push(e) };
    const c = counted();
    const alert = createCostAlert({ thresholdUsd: 5, webhook: hook.url, clock, log, post: c.post });
    alert.add(3, clock.now());
    alert.add(2, clock.now());
    expect(c.posts).toBe(0); // 5.00 is not past 5
    clock.advance(60_000);
    alert.add(0.5, clock.now());
    alert.add(10, clock.now());
    await waitFor(() => logs.includes('proxy.cost_alert_sent'), 'the alert');
    for (let i = 0; i < 20; i++) alert.add(1, clock.now());
    clock.advance(DAY - 3_600_000 - 120_000); // still the same UTC day
    alert.add(100, clock.now());
    expect(c.posts).toBe(1);
    expect(hook.got).toHaveLength(1);
    expect(hook.got[0]!.contentType).toBe('application/json');
    expect(hook.got[0]!.message).toEqual({
      text: expect.stringContaining('$5.50') as string,
      event: 'tendril.proxy.cost_alert',
      day: '2026-12-07',
      costUsd: 5.5,
      thresholdUsd: 5,
      at: new Date(MIDNIGHT + 3_660_000).toISOString(),
    });
    clock.advance(120_000); // the next UTC day
    alert.add(4, clock.now());
    expect(c.posts).toBe(1);
    alert.add(2, clock.now());
    await waitFor(() => hook.got.length === 2, 'the next day alert');
    expect(hook.got[1]!.message).toMatchObject({ day: '2026-12-08', costUsd: 6 });
    alert.close();
  });

  it('logs a failed post, retries it later that day until it is accepted, and never throws', async () => {
    let answer = 500;
    const hook = await webhook(() => answer);
    const clock = manualClock(MIDNIGHT);
    const logs: string[] = [];
    const log = { info: (e: string) => void logs.push(e), warn: (e: string) => void logs.push(e) };
    const c = counted();
    const alert = createCostAlert({ thresholdUsd: 1, webhook: hook.url, clock, log, retryMs: 60_000, post: c.post });
    expect(() => alert.add(2, clock.now())).not.toThrow();
    await waitFor(() => logs.includes('proxy.cost_alert_failed'), 'the failure');
    // Requests while the retry waits do not post again.
    for (let i = 0; i < 10; i++) alert.add(1, clock.now());
    expect(c.posts).toBe(1);
    clock.advance(60_000);
    await waitFor(() => hook.got.length === 2 && logs.filter((l) => l === 'proxy.cost_alert_failed').length === 2, 'the first retry');
    answer = 200;
    clock.advance(60_000);
    await waitFor(() => logs.includes('proxy.cost_alert_sent'), 'the retry accepted');
    expect(hook.got).toHaveLength(3);
    expect(hook.got[2]!.message.costUsd).toBe(12);
    clock.advance(60_000);
    alert.add(1, clock.now());
    expect(c.posts).toBe(3);
  });

  it('survives a webhook that cannot be reached, and drops a retry once the day is over', async () => {
    const clock = manualClock(MIDNIGHT + DAY - 120_000);
    const logs: string[] = [];
    const log = { info: (e: string) => void logs.push(e), warn: (e: string) => void logs.push(e) };
    const c = counted();
    const alert = createCostAlert({ thresholdUsd: 1, webhook: 'http://127.0.0.1:1/hook', clock, log, retryMs: 60_000, post: c.post });
    alert.add(2, clock.now());
    await waitFor(() => logs.includes('proxy.cost_alert_failed'), 'the failure');
    clock.advance(60_000);
    await waitFor(() => logs.filter((l) => l === 'proxy.cost_alert_failed').length === 2, 'the retry');
    clock.advance(60_000); // past midnight: yesterday's alert is not sent today
    expect(c.posts).toBe(2);
    expect(clock.pending).toBe(0);
  });
});
