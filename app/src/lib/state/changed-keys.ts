/**
 * Which entries of a document's top-level maps a Yjs transaction touched:
 * for a chat, the ids of the messages that were added, removed or edited
 * (a token appended to a reply's Y.Text counts for that reply). Lets views
 * re-read only what changed instead of the whole document.
 */
import type * as Y from 'yjs';

type AnyType = Y.Transaction['changed'] extends Map<infer K, unknown> ? K : never;

/** The key under which `type` (or its ancestor) sits in a root map, or null for a root itself. */
function topKey(type: AnyType): string | null {
  let t: AnyType = type;
  for (;;) {
    const item = t._item;
    if (item === null) return null;
    const parent = item.parent as AnyType | null;
    if (parent === null || parent._item === null) return item.parentSub;
    t = parent;
  }
}

export function changedTopKeys(tr: Y.Transaction): Set<string> {
  const out = new Set<string>();
  for (const [type, keys] of tr.changed) {
    if (type._item === null) {
      for (const k of keys) if (k !== null) out.add(k);
    } else {
      const k = topKey(type);
      if (k !== null) out.add(k);
    }
  }
  return out;
}
