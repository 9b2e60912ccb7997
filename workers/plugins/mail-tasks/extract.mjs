// What the mail plugin asks the model and how it reads the answer: a JSON
// list of action items, each a short title in the model's own words, a
// priority and an optional due date. Anything else in the answer is ignored;
// a title that quotes the message at length is cut to a sentence's length.

export const SYSTEM = [
  'You read one email and decide whether it asks the reader to do something.',
  'Answer with JSON only: {"tasks":[{"title":"...","priority":"low|normal|high","due":"YYYY-MM-DD or null"}]}.',
  'Use an empty list when the email holds no action item (newsletters, notifications, FYI).',
  'A title is a short imperative sentence in your own words (at most 12 words); never copy the email\'s text.',
].join(' ');

const MAX_TITLE = 160;
const PRIORITIES = new Set(['low', 'normal', 'high']);

/** @param {{ subject: string; from: string; date: number; text: string }} m */
export function prompt(m) {
  return `From: ${m.from}\nDate: ${new Date(m.date).toISOString()}\nSubject: ${m.subject}\n\n${m.text}`;
}

/** The first JSON object in the text (models wrap answers in code fences or prose). */
function firstObject(text) {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
}

/** A due date as ms since the epoch: YYYY-MM-DD (end of that day, UTC) or a full ISO time. */
function dueOf(v) {
  if (typeof v !== 'string') return undefined;
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v.trim());
  const ms = day ? Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]), 23, 59) : Date.parse(v);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** @param {string} text the model's answer @returns {{ title: string; priority: string; due?: number }[]} */
export function parseTasks(text) {
  const answer = firstObject(text);
  const list = Array.isArray(answer?.tasks) ? answer.tasks : [];
  const out = [];
  for (const t of list.slice(0, 10)) {
    if (typeof t?.title !== 'string') continue;
    const title = t.title.replace(/\s+/g, ' ').trim().slice(0, MAX_TITLE);
    if (!title) continue;
    const due = dueOf(t.due);
    out.push({ title, priority: PRIORITIES.has(t.priority) ? t.priority : 'normal', ...(due !== undefined ? { due } : {}) });
  }
  return out;
}
