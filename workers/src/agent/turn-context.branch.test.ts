/**
 * What the model is sent after an edit or a regenerate: the branch that leads
 * to the turn, never the answer to the version left behind (two assistant
 * turns in a row) nor the turns written after it.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceId, MessageId } from '@tendril/crdt-schema/ids';
import type { ChatMessage as Stored } from '@tendril/crdt-schema/schema';
import { turnContext } from './turn-context.ts';

const me = 'A'.repeat(43) as DeviceId;
let n = 0;
function msg(role: Stored['role'], content: string, extra: Partial<Stored> = {}): Stored {
  n++;
  return { id: `m${String(n).padStart(20, '0')}` as MessageId, author: me, role, content, status: 'done', createdAt: n, ...extra };
}

describe('turnContext on a chat with versions', () => {
  it('sends the edited turn without the answer to its old version', async () => {
    const q1 = msg('user', 'one');
    const r1 = msg('assistant', 'one answer', { parent: q1.id });
    const q2 = msg('user', 'two', { follows: r1.id });
    const r2 = msg('assistant', 'two answer', { parent: q2.id });
    const e2 = msg('user', 'two, revised', { parent: q2.id });
    const out = await turnContext([q1, r1, q2, r2, e2], e2.id, { model: 'gpt-4o-mini' });
    expect(out).toEqual([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'one answer' },
      { role: 'user', content: 'two, revised' },
    ]);
  });

  it('sends a regenerated turn without the answer it replaces, and not the turns after the old version', async () => {
    const q1 = msg('user', 'one');
    const r1 = msg('assistant', 'one answer', { parent: q1.id });
    const q2 = msg('user', 'two', { follows: r1.id });
    const again = msg('user', 'one', { parent: q1.id });
    const out = await turnContext([q1, r1, q2, again], again.id, { model: 'gpt-4o-mini' });
    expect(out).toEqual([{ role: 'user', content: 'one' }]);
  });

  it('answers a turn on the branch it was written on, even when another version is shown', async () => {
    const q1 = msg('user', 'one');
    const r1 = msg('assistant', 'one answer', { parent: q1.id });
    const e1 = msg('user', 'one, revised');
    const q2 = msg('user', 'two', { follows: r1.id });
    const edited = { ...e1, parent: q1.id };
    const shown = { ...q1, shown: edited.id };
    const out = await turnContext([shown, r1, edited, q2], q2.id, { model: 'gpt-4o-mini' });
    expect(out.map((m) => m.content)).toEqual(['one', 'one answer', 'two']);
  });
});
