import { describe, expect, it } from 'vitest';
import type { DeviceId, MessageId } from '../ids.ts';
import { docsWithClients, syncDocs } from '../testkit/sync-docs.ts';
import { chatDoc } from './chat.ts';

const ME = 'A'.repeat(43) as DeviceId;

describe('deleting one message', () => {
  it('removes it on every peer and keeps the rest of the branch in order', () => {
    const [a, b] = docsWithClients(2);
    let t = 1000;
    const chat = chatDoc(a!, { now: () => (t += 10) });
    const q1 = chat.addMessage({ author: ME, role: 'user', content: 'one' });
    const r1 = chat.addMessage({ author: ME, role: 'assistant', content: 'first answer', parent: q1 });
    const q2 = chat.addMessage({ author: ME, role: 'user', content: 'two', follows: r1 });
    const r2 = chat.addMessage({ author: ME, role: 'assistant', content: 'second answer', parent: q2 });
    syncDocs(a!, b!);
    chat.deleteMessage(r1);
    syncDocs(a!, b!);
    const other = chatDoc(b!);
    expect(other.has(r1)).toBe(false);
    expect(other.branch().messages.map((m) => m.id)).toEqual([q1, q2, r2]);
    expect(() => chat.deleteMessage(r1)).toThrow(/message/);
    expect(() => chat.deleteMessage('x'.repeat(22) as MessageId)).toThrow();
  });
});
