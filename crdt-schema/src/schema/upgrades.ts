/**
 * The ordered upgrade steps of every document kind (rules in version.ts).
 * Append a step and raise CURRENT_VERSION together; never edit a shipped step.
 */
import type * as Y from 'yjs';
import { entryOf } from './fields.ts';
import { CHAT_ENTRY, LEGACY, WORKSPACE } from './keys.ts';
import type { UpgradeStep } from './version.ts';

/** Workspace 1 -> 2: a chat entry's `name` field is renamed `title`. */
const workspaceChatTitle: UpgradeStep = {
  kind: 'workspace',
  from: 1,
  describe: 'chat entries: rename `name` to `title`',
  run(doc: Y.Doc) {
    const chats = doc.getMap<unknown>(WORKSPACE.chats);
    for (const chatId of chats.keys()) {
      const entry = entryOf(chats, chatId);
      if (entry === undefined || !entry.has(LEGACY.chatEntryName)) continue;
      const name = entry.get(LEGACY.chatEntryName);
      if (!entry.has(CHAT_ENTRY.title) && typeof name === 'string') entry.set(CHAT_ENTRY.title, name);
      entry.delete(LEGACY.chatEntryName);
    }
  },
};

export const UPGRADE_STEPS: readonly UpgradeStep[] = [workspaceChatTitle];
