// Calendar: for each calendar source it may read (read_calendar on its
// name, or on * for all of them), reads
// the events of the next 14 days, stores them as the source's upcoming
// events in Tasks, finds overlaps and double bookings across all granted
// sources, and reports each as a task whose note holds the moves the
// workspace's model suggests (no model grant: the task says so). A conflict
// reported before is not reported again. Runs in a plugin thread:
// everything goes through the host API.
import { conflictRef, conflictTitle, describe, findConflicts, SYSTEM } from './conflicts.mjs';

const WINDOW_MS = 14 * 86_400_000;

/**
 * @param {any} api the host API (plugin-thread.mjs)
 * @param {{ now: number }} ctx
 */
export default async function run(api, ctx) {
  const sources = await api.accounts('read_calendar');
  if (sources.length === 0) return 'no calendar granted: grant read_calendar on a calendar source of the settings';
  const all = [];
  for (const source of sources) {
    const events = await api.readCalendar(source, { from: ctx.now, to: ctx.now + WINDOW_MS });
    await api.putEvents(source, events.map(({ uid, summary, start, end, location }) => ({ uid, summary, start, end, ...(location ? { location } : {}) })));
    all.push(...events.map((e) => ({ ...e, source })));
  }
  const conflicts = findConflicts(all);
  const state = (await api.state.get()) ?? {};
  const known = new Set(Array.isArray(state.reported) ? state.reported : []);
  let reported = 0;
  for (const c of conflicts) {
    // Reported before (and maybe done or deleted by the user since): not again, and no model call.
    if (known.has(conflictRef(c))) continue;
    const title = conflictTitle(c).slice(0, 280);
    let note;
    try {
      const schedule = all.filter((e) => !e.allDay).slice(0, 60).map(describe).join('\n');
      const answer = await api.complete({ system: SYSTEM, messages: [{ role: 'user', content: `Conflict:\n${describe(c.a)}\n${describe(c.b)}\n\nSchedule:\n${schedule}` }], maxTokens: 300 });
      note = answer.text.trim().slice(0, 1500) || undefined;
    } catch (e) {
      if (e.code !== 'denied' && e.code !== 'failed') throw e;
      note = e.code === 'denied' ? 'No suggestion: the model is not granted to this plugin.' : 'No suggestion: the model could not be reached.';
    }
    try {
      const r = await api.addTask({ title, priority: 'high', due: c.b.start, ...(note ? { note } : {}), source: { kind: 'calendar', account: c.a.source, ref: conflictRef(c) } });
      if (r.added) reported++;
    } catch (e) {
      // Refused (an event uid the link cannot carry): the other conflicts are still reported.
      if (e.code !== 'bad-request') throw e;
    }
    known.add(conflictRef(c));
    await api.state.set({ ...state, reported: [...known].slice(-500) });
  }
  return `read ${all.length} event(s) in ${sources.length} calendar(s), ${conflicts.length} conflict(s), ${reported} newly reported`;
}
