/**
 * The active branch of a chat: the one conversation a person sees and a
 * model is sent, out of a transcript that keeps every version.
 *
 * A message whose parent has the same role is a new version of it (an edit,
 * or a regenerate, which is a new version of the user turn). Versions form a
 * group around the first one (the root); the root's `shown` names the version
 * on the branch, else the newest one is. A reply (its parent has another
 * role) belongs to what it answers, and a new user turn to the message it
 * `follows`; either is on the branch only while that message is. A user
 * turn without `follows` (written before it existed, or by a tool that does
 * not set it) is on the branch whenever its version is.
 *
 * Decided from the links, not from creation times, so devices whose clocks
 * disagree still agree on the branch.
 *
 *   const { messages, versions } = activeBranch(chat.transcript());
 *   versions.get(id); // { root, ids, index } when the message has versions
 */
import type { MessageId } from '../ids.ts';
import type { ChatMessage } from './chat-message.ts';

/** Where a message stands among its versions. */
export interface VersionInfo {
  /** The first version: the one whose `shown` picks the version on the branch. */
  readonly root: MessageId;
  /** Every version, oldest first. */
  readonly ids: readonly MessageId[];
  /** The position of this message in `ids`. */
  readonly index: number;
}

export interface Branch {
  /** The messages on the branch, in transcript order. */
  readonly messages: ChatMessage[];
  /** Version info for the messages on the branch that have more than one version. */
  readonly versions: ReadonlyMap<MessageId, VersionInfo>;
}

export interface BranchOptions {
  /**
   * The branch that leads to this message (the turn being answered): its own
   * version and the versions before it are taken whatever is shown, and the
   * branch ends with it.
   */
  readonly through?: MessageId;
}

/** Every message, with the first version of its group and the group's versions (oldest first). */
function groupVersions(byId: ReadonlyMap<MessageId, ChatMessage>, sorted: readonly ChatMessage[]) {
  const rootOf = new Map<MessageId, ChatMessage>();
  const findRoot = (m: ChatMessage): ChatMessage => {
    const known = rootOf.get(m.id);
    if (known) return known;
    const seen = new Set<MessageId>([m.id]);
    let r = m;
    for (;;) {
      const p = r.parent === undefined ? undefined : byId.get(r.parent);
      if (!p || p.role !== m.role || seen.has(p.id)) break;
      seen.add(p.id);
      r = p;
    }
    rootOf.set(m.id, r);
    return r;
  };
  const groups = new Map<MessageId, MessageId[]>();
  for (const m of sorted) {
    const root = findRoot(m).id;
    const ids = groups.get(root);
    if (ids) ids.push(m.id);
    else groups.set(root, [m.id]);
  }
  return { rootOf: (m: ChatMessage) => findRoot(m), groups };
}

/** The active branch of a transcript (messages in transcript order), with version info. */
export function activeBranch(transcript: readonly ChatMessage[], o: BranchOptions = {}): Branch {
  const byId = new Map(transcript.map((m) => [m.id, m] as const));
  const { rootOf, groups } = groupVersions(byId, transcript);
  /** The message before a group: what its user turn follows, or what its reply answers. */
  const before = (root: ChatMessage): MessageId | undefined => (root.role === 'user' ? root.follows : root.parent);

  // The branch through a given message: its version, and each version on the way back, is taken.
  const through = o.through !== undefined && byId.has(o.through) ? o.through : undefined;
  const forced = new Map<MessageId, MessageId>();
  const lineage = new Set<MessageId>();
  for (let m = through ? byId.get(through) : undefined; m && !lineage.has(m.id); ) {
    lineage.add(m.id);
    const root = rootOf(m);
    forced.set(root.id, m.id);
    const prev = before(root);
    m = prev ? byId.get(prev) : undefined;
  }
  const selected = (root: ChatMessage): MessageId => {
    const ids = groups.get(root.id)!;
    const pick = forced.get(root.id) ?? root.shown;
    return pick !== undefined && ids.includes(pick) ? pick : ids.at(-1)!;
  };

  // On the branch: the selected version of its group, after something on the branch (or after nothing
  // known). Resolved with an explicit stack: a chain of thousands of turns must not overflow the call stack.
  const on = new Map<MessageId, boolean>();
  const decide = (start: ChatMessage): boolean => {
    const stack: ChatMessage[] = [start];
    const pending = new Set<MessageId>([start.id]);
    const pop = (): void => void pending.delete(stack.pop()!.id);
    while (stack.length > 0) {
      const m = stack.at(-1)!;
      if (on.has(m.id)) {
        pop();
        continue;
      }
      const root = rootOf(m);
      if (selected(root) !== m.id) {
        on.set(m.id, false);
        pop();
        continue;
      }
      const prevId = before(root);
      const prev = prevId === undefined ? undefined : byId.get(prevId);
      if (!prev || on.has(prev.id)) {
        on.set(m.id, prev ? on.get(prev.id)! : true);
        pop();
      } else if (pending.has(prev.id)) {
        on.set(m.id, false); // a cycle of links: malformed data, shown nowhere
        pop();
      } else {
        stack.push(prev);
        pending.add(prev.id);
      }
    }
    return on.get(start.id)!;
  };

  const throughAt = through ? transcript.findIndex((m) => m.id === through) : -1;
  const messages = transcript.filter((m, i) => decide(m) && (through === undefined || lineage.has(m.id) || i < throughAt));
  const versions = new Map<MessageId, VersionInfo>();
  for (const m of messages) {
    const root = rootOf(m);
    const ids = groups.get(root.id)!;
    if (ids.length > 1) versions.set(m.id, { root: root.id, ids, index: ids.indexOf(m.id) });
  }
  return { messages, versions };
}
