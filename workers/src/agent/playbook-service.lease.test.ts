/**
 * A playbook on a one-minute schedule with two workers online is run once per
 * minute, not once per worker: at each scheduled time both workers fire and
 * claim the run lease, the claims meet on sync and exactly one writes the run
 * into the chat. A worker whose timer fires late finds the slot taken. The
 * clock and the timers are injected: no real minute passes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { newChatId, type DeviceId } from '@tendril/crdt-schema/ids';
import { chatDoc, permissionsDoc, settingsDoc, type ChatDoc } from '@tendril/crdt-schema/schema';
import { docsWithClients, syncDocs } from '@tendril/crdt-schema/testkit';
import type { Timers } from '../llm/deps.ts';
import { parseCron } from '../plugins/cron.ts';
import { runLease } from '../plugins/run-lease.ts';
import { PlaybookService } from './playbook-service.ts';

const A = 'A'.repeat(43) as DeviceId;
const B = 'B'.repeat(43) as DeviceId;
const START = Date.UTC(2026, 0, 1, 0, 0, 30);

/** One clock and a timer queue the test advances by hand. */
function fakeTime() {
  let now = START;
  let seq = 0;
  const queue = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      const id = ++seq;
      queue.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (h) => void queue.delete(h as number),
  };
  const advance = (ms: number): void => {
    const end = now + ms;
    for (;;) {
      const next = [...queue.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!next) break;
      queue.delete(next[0]);
      now = Math.max(now, next[1].at);
      next[1].fn();
    }
    now = end;
  };
  return { now: () => now, timers, advance };
}

const services: PlaybookService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
});

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function twoWorkers(o: { skewMs?: number; spend?: () => Promise<string | undefined> } = {}) {
  const time = fakeTime();
  const [sA, sB, pA, pB, cA, cB] = docsWithClients(6) as Y.Doc[] as [Y.Doc, Y.Doc, Y.Doc, Y.Doc, Y.Doc, Y.Doc];
  const settingsA = settingsDoc(sA, { now: time.now });
  const chatId = newChatId();
  const coder = settingsA.agents.addPreset('coder', A);
  settingsA.playbooks.save({
    name: 'nightly', agent: coder.id, chat: chatId, summary: 'run the tests',
    steps: [{ kind: 'command', title: 'test', session: 'S'.repeat(22), command: 'npm test' }], schedule: '* * * * *',
  }, A, (c) => void parseCron(c));
  syncDocs(sA, sB);
  const chats: Record<string, ChatDoc> = { A: chatDoc(cA, { now: time.now }), B: chatDoc(cB, { now: time.now }) };
  chats.A!.init({ chatId });
  syncDocs(cA, cB);
  const permissions = { A: permissionsDoc(pA, { now: time.now }), B: permissionsDoc(pB, { now: time.now }) };
  // The relay, as far as leases go: whenSynced exchanges both copies of the permissions document.
  const relay = async (): Promise<void> => syncDocs(pA, pB);
  const start = (me: DeviceId, key: 'A' | 'B', settings: Y.Doc, timers: Timers, now: () => number) => {
    const s = new PlaybookService({
      settings: settingsDoc(settings, { now }), me, utc: true, now, timers,
      lease: runLease({ permissions: permissions[key], whenSynced: relay, me, settleMs: 5 }),
      openChat: async () => chats[key]!,
      ...(o.spend ? { spend: o.spend } : {}),
    });
    services.push(s);
    s.start();
    return s;
  };
  // Worker B's timers may run late (another machine, a busy event loop): its own clock lags by skewMs.
  const skew = o.skewMs ?? 0;
  const late = fakeTime();
  const a = start(A, 'A', sA, time.timers, time.now);
  const b = skew === 0 ? start(B, 'B', sB, time.timers, time.now) : start(B, 'B', sB, late.timers, () => late.now() - skew);
  const runs = (): string[] => {
    syncDocs(cA, cB);
    return chats.A!.transcript().filter((m) => m.plan !== undefined).map((m) => `${m.author === A ? 'A' : 'B'} ${m.content}`);
  };
  const advance = (ms: number): void => {
    time.advance(ms);
    if (skew !== 0) late.advance(ms);
  };
  return { a, b, runs, advance, permissions };
}

describe('scheduled playbooks with two workers online', () => {
  it('runs once per minute, whichever worker wins each minute', async () => {
    const t = twoWorkers();
    expect(t.a.nextRun('nightly')).toBe(Date.UTC(2026, 0, 1, 0, 1, 0));
    for (let minute = 1; minute <= 3; minute++) {
      t.advance(60_000);
      await until(() => t.runs().length === minute, `the run of minute ${minute}`);
    }
    // Give a second run of any minute every chance to appear.
    await new Promise((r) => setTimeout(r, 100));
    const runs = t.runs();
    expect(runs).toHaveLength(3);
    expect(runs.map((r) => r.slice(2))).toEqual([1, 2, 3].map((m) => `Playbook nightly (scheduled run at 2026-01-01T00:0${m}:00.000Z): run the tests`));
    expect(t.permissions.A.leases.get('playbook:nightly')?.slot).toBe(Date.UTC(2026, 0, 1, 0, 3, 0));
  });

  it('lets a worker that fires late find the minute taken', async () => {
    const t = twoWorkers({ skewMs: 20_000 });
    t.advance(60_000);
    await until(() => t.runs().length === 1, 'the first run');
    t.advance(20_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(t.runs()).toHaveLength(1);
    expect(t.runs()[0]!.startsWith('A ')).toBe(true);
  });

  it('writes no scheduled run while a spending limit refuses, and runs again once it allows', async () => {
    let refusal: string | undefined = 'the daily spending limit of $1.00 is used up';
    const checked: number[] = [];
    const t = twoWorkers({ spend: async () => (checked.push(1), refusal) });
    t.advance(60_000);
    await until(() => checked.length >= 2, 'both workers to check the limits');
    await new Promise((r) => setTimeout(r, 100));
    expect(t.runs()).toEqual([]);
    refusal = undefined;
    t.advance(60_000);
    await until(() => t.runs().length === 1, 'the next minute\'s run');
  });
});
