/**
 * The active branch: after an edit or a regenerate only the shown version and
 * what follows it are on the branch; switching versions switches the branch;
 * the branch through a turn is what a model answering it is sent.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceId, MessageId } from '../ids.ts';
import { docWithClient } from '../testkit/sync-docs.ts';
import { activeBranch } from './chat-branch.ts';
import { chatDoc } from './chat.ts';

const ME = 'A'.repeat(43) as DeviceId;
const BOT = 'B'.repeat(43) as DeviceId;

function setup() {
  let t = 1000;
  const chat = chatDoc(docWithClient(1), { now: () => (t += 10) });
  const tail = (): MessageId | undefined => chat.branch().messages.at(-1)?.id;
  const ask = (content: string): MessageId => chat.addMessage({ author: ME, role: 'user', content, follows: tail() });
  const answer = (turn: MessageId, content: string): MessageId => chat.addMessage({ author: BOT, role: 'assistant', content, parent: turn });
  const contents = (o?: { through?: MessageId }): string[] => chat.branch(o).messages.map((m) => m.content);
  return { chat, ask, answer, contents, setClock: (v: number) => (t = v) };
}

describe('the active branch', () => {
  it('after an edit holds the new version and its answer, not the old question and answer', () => {
    const { chat, ask, answer, contents } = setup();
    const q1 = ask('first');
    answer(q1, 'first answer');
    const q2 = ask('helo');
    answer(q2, 'old answer');
    const e2 = chat.editMessage(q2, 'hello', { author: ME });
    expect(contents()).toEqual(['first', 'first answer', 'hello']);
    answer(e2, 'new answer');
    expect(contents()).toEqual(['first', 'first answer', 'hello', 'new answer']);
    const roles = chat.branch().messages.map((m) => m.role);
    expect(roles).toEqual(['user', 'assistant', 'user', 'assistant']);
    // Everything is kept.
    expect(chat.transcript()).toHaveLength(6);
  });

  it('after a regenerate holds the new answer only', () => {
    const { chat, ask, answer, contents } = setup();
    const q = ask('why?');
    answer(q, 'because A');
    const again = chat.editMessage(q, 'why?', { author: ME });
    answer(again, 'because B');
    expect(contents()).toEqual(['why?', 'because B']);
  });

  it('switches with the shown version, and later turns stay with the version they followed', () => {
    const { chat, ask, answer, contents } = setup();
    const q1 = ask('one');
    answer(q1, 'one answer');
    const q2 = ask('two');
    answer(q2, 'two answer');
    const e1 = chat.editMessage(q1, 'one, revised', { author: ME });
    answer(e1, 'revised answer');
    expect(contents()).toEqual(['one, revised', 'revised answer']);
    expect(chat.branch().versions.get(e1)).toEqual({ root: q1, ids: [q1, e1], index: 1 });

    chat.showVersion(q1);
    expect(contents()).toEqual(['one', 'one answer', 'two', 'two answer']);
    expect(chat.branch().versions.get(q1)).toEqual({ root: q1, ids: [q1, e1], index: 0 });
    expect(chat.branch().versions.has(q2)).toBe(false);

    // A turn written now follows the shown branch, and stays off the other one.
    ask('three');
    expect(contents()).toEqual(['one', 'one answer', 'two', 'two answer', 'three']);
    chat.showVersion(e1);
    expect(contents()).toEqual(['one, revised', 'revised answer']);
  });

  it('a new edit is shown even when an older version was picked', () => {
    const { chat, ask, contents } = setup();
    const q = ask('a');
    const b = chat.editMessage(q, 'b', { author: ME });
    chat.showVersion(q);
    expect(contents()).toEqual(['a']);
    const c = chat.editMessage(b, 'c', { author: ME });
    expect(contents()).toEqual(['c']);
    expect(chat.branch().versions.get(c)).toEqual({ root: q, ids: [q, b, c], index: 2 });
  });

  it('through a turn: the branch that leads to it, whatever is shown, ending with it', () => {
    const { chat, ask, answer, contents } = setup();
    const q1 = ask('one');
    answer(q1, 'one answer');
    const q2 = ask('two');
    const e1 = chat.editMessage(q1, 'one, revised', { author: ME });
    answer(e1, 'revised answer');
    answer(q2, 'written later');
    expect(contents({ through: q2 })).toEqual(['one', 'one answer', 'two']);
    expect(contents({ through: e1 })).toEqual(['one, revised']);
  });

  it('follows the links, not the clocks: a turn written on a device whose clock is behind', () => {
    const { chat, ask, answer, contents, setClock } = setup();
    const q = ask('hi');
    const r = answer(q, 'hello');
    setClock(0);
    const late = chat.addMessage({ author: ME, role: 'user', content: 'and then?', follows: r });
    expect(chat.message(late)!.createdAt).toBeLessThan(chat.message(r)!.createdAt);
    expect(contents()).toEqual(['and then?', 'hi', 'hello']);
    expect(contents({ through: late })).toEqual(['and then?', 'hi', 'hello']);
  });

  it('keeps turns written without a link (older documents) on the branch', () => {
    const { chat, answer, contents } = setup();
    const q = chat.addMessage({ author: ME, role: 'user', content: 'old' });
    answer(q, 'old answer');
    chat.addMessage({ author: ME, role: 'user', content: 'unlinked' });
    expect(contents()).toEqual(['old', 'old answer', 'unlinked']);
  });

  it('shows nothing of a malformed cycle of links and does not loop', () => {
    const a = 'a'.repeat(22) as MessageId;
    const b = 'b'.repeat(22) as MessageId;
    const base = { author: ME, content: 'x', status: 'done', createdAt: 1 } as const;
    const branch = activeBranch([
      { ...base, id: a, role: 'user', follows: b },
      { ...base, id: b, role: 'user', follows: a },
    ]);
    expect(branch.messages).toEqual([]);
  });

  it('decides a long chain of links without running out of stack', () => {
    // Clocks running backwards: the newest turn sorts first, so its whole chain is resolved from there.
    const n = 50_000;
    const id = (i: number) => `m${String(i).padStart(21, '0')}` as MessageId;
    const chain = Array.from({ length: n }, (_, i) => ({
      id: id(i), author: ME, role: 'user' as const, content: `q${i}`, status: 'done' as const, createdAt: n - i, ...(i > 0 ? { follows: id(i - 1) } : {}),
    }));
    expect(activeBranch(chain.toReversed()).messages).toHaveLength(n);
  });
});
