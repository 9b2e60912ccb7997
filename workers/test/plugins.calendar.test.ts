/**
 * The shipped calendar plugin against a real Radicale CalDAV server and an
 * ICS file: upcoming events land in Tasks, a seeded overlap is reported as
 * a task with the model's suggested moves, whole-day and far-off events are
 * left alone, a recurring event is expanded, and a conflict reported once is
 * not reported (or sent to the model) again. The source's password stays in
 * the host: nothing crossing into the plugin thread holds it.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settingsDoc, tasksDoc } from '@tendril/crdt-schema/schema';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { createProvider } from '../src/agent/provider-setup.ts';
import { CALENDAR_ID } from '../src/plugins/builtin.ts';
import { loadManifest } from '../src/plugins/plugin-entry.ts';
import { RunStatus } from '../src/plugins/plugin-runner.ts';
import { ROOT } from './harness.ts';
import { pluginWorld, USER } from './plugins.fixtures.ts';
import { startRadicale, type TestRadicale } from './radicale-server.ts';

const KEY = 'sk-test-calendar';
const DAV_PASSWORD = 'radicale-pass-5531';
const NOW = Date.UTC(2030, 0, 7, 8, 0);
const SUGGESTION = 'Move "Design review" to 11:00-11:45, after the standup.';

const vevent = (uid: string, start: string, end: string, summary: string, extra: string[] = []): string[] =>
  ['BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20300101T000000Z', start.length === 8 ? `DTSTART;VALUE=DATE:${start}` : `DTSTART:${start}`,
    end.length === 8 ? `DTEND;VALUE=DATE:${end}` : `DTEND:${end}`, `SUMMARY:${summary}`, ...extra, 'END:VEVENT'];
const vcalendar = (...events: string[][]): string => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//tendril//test//EN', ...events.flat(), 'END:VCALENDAR', ''].join('\r\n');

describe('calendar plugin', () => {
  const w = pluginWorld('calendar');
  const settings = settingsDoc(new Y.Doc());
  const tasks = tasksDoc(new Y.Doc());
  const crossed: string[] = [];
  let dav: TestRadicale;
  let fake: FakeProvider;

  beforeAll(async () => {
    dav = await startRadicale([{ user: 'alice', password: DAV_PASSWORD }]);
    fake = await startFakeProvider({ apiKey: KEY, fallback: { text: [SUGGESTION] } });
    const cal = await dav.calendar('alice', DAV_PASSWORD, 'team');
    await dav.put(cal, 'alice', DAV_PASSWORD, 'standup', vcalendar(vevent('standup', '20300108T100000Z', '20300108T103000Z', 'Standup')));
    await dav.put(cal, 'alice', DAV_PASSWORD, 'review', vcalendar(vevent('review', '20300108T101500Z', '20300108T110000Z', 'Design review', ['DESCRIPTION:secret agenda KESTREL'])));
    await dav.put(cal, 'alice', DAV_PASSWORD, 'lunch', vcalendar(vevent('lunch', '20300108T120000Z', '20300108T130000Z', 'Lunch')));
    await dav.put(cal, 'alice', DAV_PASSWORD, 'offsite', vcalendar(vevent('offsite', '20300108', '20300109', 'Team offsite')));
    await dav.put(cal, 'alice', DAV_PASSWORD, 'later', vcalendar(vevent('later', '20300301T100000Z', '20300301T110000Z', 'Far away')));
    settings.accounts.set({ name: 'team', kind: 'caldav', url: cal, user: 'alice', password: DAV_PASSWORD });

    const ics = join(w.dir.path, 'home.ics');
    writeFileSync(ics, vcalendar(
      vevent('gym', '20300108T180000Z', '20300108T190000Z', 'Gym', ['RRULE:FREQ=DAILY;COUNT=5']),
      vevent('dinner', '20300110T183000Z', '20300110T200000Z', 'Dinner with Jo'),
    ));
    settings.accounts.set({ name: 'home', kind: 'ics', url: pathToFileURL(ics).href });
    w.permissions.plugins.install(loadManifest('builtin:calendar', ROOT), USER);
  }, 60_000);

  afterAll(async () => {
    await fake?.close();
    await dav?.cleanup();
    w.dir.remove();
  });

  const runner = () =>
    w.runner({
      now: () => NOW,
      accounts: (name) => settings.accounts.credentials(name),
    accountNames: () => settings.accounts.list().map((a) => a.name),
      tasks: async () => tasks,
      model: () => ({ provider: createProvider({ kind: 'openai', baseUrl: `${fake.url}/v1`, apiKey: KEY, model: 'gpt-4o-mini' }), model: 'gpt-4o-mini' }),
      trace: (_dir, m) => void crossed.push(JSON.stringify(m)),
    });

  it('reads nothing of a source that is not granted', async () => {
    w.grant(CALENDAR_ID, 'read_calendar', 'home');
    w.grant(CALENDAR_ID, 'network', 'model');
    const r = await runner().run(CALENDAR_ID);
    expect(r.status).toBe(RunStatus.Ok);
    expect(tasks.events('team')).toEqual([]);
    expect(w.log(CALENDAR_ID).filter((l) => l.includes('team'))).toEqual([]);
  });

  it('reports a seeded CalDAV overlap with the suggested moves, and stores the upcoming events', async () => {
    w.grant(CALENDAR_ID, 'read_calendar', 'team');
    w.grant(CALENDAR_ID, 'network', 'model');
    const before = fake.requests.length;
    const r = await runner().run(CALENDAR_ID);
    expect(r).toMatchObject({ status: RunStatus.Ok });

    expect(tasks.events('team').map((e) => e.summary)).toEqual(['Team offsite', 'Standup', 'Design review', 'Lunch']);
    const conflict = tasks.list().find((t) => t.source?.account === 'team');
    expect(conflict).toMatchObject({
      title: 'Calendar conflict: "Standup" 2030-01-08 10:00-10:30 UTC (team) overlaps "Design review" 2030-01-08 10:15-11:00 UTC (team)',
      priority: 'high', state: 'open', due: Date.UTC(2030, 0, 8, 10, 15), note: SUGGESTION,
      source: { plugin: CALENDAR_ID, kind: 'calendar', account: 'team', ref: 'team/standup team/review' },
    });
    expect(tasks.list().filter((t) => t.title.includes('Lunch') || t.title.includes('offsite'))).toEqual([]);
    const asked = fake.requests.slice(before).map((q) => JSON.stringify(q.body));
    expect(asked.some((b) => b.includes('Design review') && b.includes('Standup'))).toBe(true);
    expect(JSON.stringify(tasks.toJSON())).not.toContain('KESTREL');
    expect(crossed.filter((m) => m.includes(DAV_PASSWORD))).toEqual([]);
    expect(w.log(CALENDAR_ID)).toContain('allowed read_calendar team');
  });

  it('expands a recurring event from an ICS file and reports its overlap', async () => {
    const gym = tasks.list().find((t) => t.source?.account === 'home');
    expect(gym?.title).toBe('Calendar conflict: "Gym" 2030-01-10 18:00-19:00 UTC (home) overlaps "Dinner with Jo" 2030-01-10 18:30-20:00 UTC (home)');
    expect(tasks.events('home').map((e) => e.summary)).toEqual(['Gym', 'Gym', 'Gym', 'Dinner with Jo', 'Gym', 'Gym']);
  });

  it('reads an ICS URL, and refuses a source that is not a regular file before reading it', async () => {
    const server = createServer((_req, res) => res.end(vcalendar(vevent('web', '20300109T090000Z', '20300109T100000Z', 'Webinar'))));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      settings.accounts.set({ name: 'web', kind: 'ics', url: `http://127.0.0.1:${port}/cal.ics` });
      settings.accounts.set({ name: 'zero', kind: 'ics', url: 'file:///dev/zero' });
      const id = w.install(`export default async (api, ctx) => {
        const web = await api.readCalendar('web', { from: ctx.now, to: ctx.now + 7 * 86400000 });
        try { await api.readCalendar('zero', { from: ctx.now, to: ctx.now + 86400000 }); return 'read zero'; }
        catch (e) { return web.map((x) => x.summary).join(',') + ' / ' + e.code + ': ' + e.message; }
      }`, { permissions: [{ kind: 'read_calendar', resource: '*', reason: 'test' }] });
      w.grant(id, 'read_calendar', 'web');
      w.grant(id, 'read_calendar', 'zero');
      const r = await runner().run(id);
      expect(r).toMatchObject({ status: RunStatus.Ok, message: 'Webinar / bad-request: the calendar source is not a regular file' });
      expect(w.log(id)).toEqual(['allowed read_calendar web', 'error read_calendar zero']);
    } finally {
      server.close();
    }
  });

  it('does not report a conflict twice or ask the model again', async () => {
    const count = tasks.list().length;
    const asked = fake.requests.length;
    const r = await runner().run(CALENDAR_ID);
    expect(r).toMatchObject({ status: RunStatus.Ok, message: 'read 10 event(s) in 2 calendar(s), 2 conflict(s), 0 newly reported' });
    expect(tasks.list()).toHaveLength(count);
    expect(fake.requests).toHaveLength(asked);
  });
});
