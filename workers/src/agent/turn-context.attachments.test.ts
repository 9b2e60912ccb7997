/**
 * A turn's attachments in the model's view: images as image parts with their bytes, text files in the
 * message's text, and a file that cannot be opened named with the reason instead of failing the turn.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceId, MessageId } from '@tendril/crdt-schema/ids';
import type { ChatAttachment, ChatMessage as Stored } from '@tendril/crdt-schema/schema';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { turnContext } from './turn-context.ts';

const me = 'A'.repeat(43) as DeviceId;
const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 1]);
const image: ChatAttachment = { blob: 'a'.repeat(64), name: 'cat.png', mime: 'image/png', size: png.length };
const notes: ChatAttachment = { blob: 'b'.repeat(64), name: 'notes.txt', mime: 'text/plain', size: 12 };
const lost: ChatAttachment = { blob: 'c'.repeat(64), name: 'gone.txt', mime: 'text/plain', size: 3 };
const files = new Map<string, Uint8Array>([[image.blob, png], [notes.blob, new TextEncoder().encode('CANARY-notes')]]);
const open = async (ref: ChatAttachment): Promise<Uint8Array> => {
  const b = files.get(ref.blob);
  if (!b) throw new TendrilError('E_BLOB_NOT_FOUND', 'the relay holds no such blob');
  return b;
};
const turn = (attachments: ChatAttachment[]): Stored => ({ id: 'm1' as MessageId, author: me, role: 'user', content: 'look', status: 'pending', createdAt: 1, attachments });

describe('turnContext with attachments', () => {
  it('sends images as parts and text files in the text', async () => {
    const t = turn([image, notes]);
    const [m] = await turnContext([t], t.id, { model: 'gpt-4o-mini', attachments: open });
    expect(m).toEqual({
      role: 'user',
      content: 'look\n\n--- attached file notes.txt (text/plain) ---\nCANARY-notes\n--- end of notes.txt ---',
      images: [{ mime: 'image/png', base64: Buffer.from(png).toString('base64') }],
    });
  });

  it('names a file it cannot open, with the reason, and still sends the turn', async () => {
    const t = turn([lost]);
    const [m] = await turnContext([t], t.id, { model: 'gpt-4o-mini', attachments: open });
    expect(m).toEqual({ role: 'user', content: 'look\n\n[attachment gone.txt could not be opened: the relay holds no such blob]' });
    const [without] = await turnContext([t], t.id, { model: 'gpt-4o-mini' });
    expect(without).toMatchObject({ content: expect.stringContaining('not available to this runner') });
  });

  it('sends no image to a model known to take none, and says so in the text', async () => {
    const t = turn([image, notes]);
    const [m] = await turnContext([t], t.id, { model: 'llama3.1:8b', attachments: open });
    expect(m).toEqual({
      role: 'user',
      content: 'look\n\n[image cat.png not sent: llama3.1:8b takes no images]\n\n--- attached file notes.txt (text/plain) ---\nCANARY-notes\n--- end of notes.txt ---',
    });
  });
});
