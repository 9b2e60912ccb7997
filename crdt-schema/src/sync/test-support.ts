/**
 * Helpers shared by the DocSync tests (not used by product code): the Yjs
 * update one edit makes, ready to be sealed as another device's entry.
 */
import type * as Y from 'yjs';

/** Appends `text` to `ydoc`'s 'messages' array and returns the update that edit made. */
export function pushMessage(ydoc: Y.Doc, text: string): Uint8Array {
  let update: Uint8Array = new Uint8Array(0);
  const grab = (u: Uint8Array): void => void (update = u);
  ydoc.on('update', grab);
  ydoc.getArray<string>('messages').push([text]);
  ydoc.off('update', grab);
  return update;
}
