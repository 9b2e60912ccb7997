/**
 * Where the workspace's Tasks document lives: its id is derived from the
 * workspace id, so every device finds the same document without a pointer
 * and two devices opening it first at once converge. It is in the chats
 * scope: the devices and workers that may write chats (where plugins write
 * what they find) may write tasks. The relay sees an id it cannot tie to
 * tasks without the workspace id.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { toBase64Url, type DocId, type WorkspaceId } from '../ids.ts';
import { Scope } from '../keyring/scopes.ts';

/** The scope whose keys seal the Tasks document. */
export const TASKS_SCOPE = Scope.Chats;

export function tasksDocId(crypto: CryptoProvider, workspace: WorkspaceId): DocId {
  return toBase64Url(crypto.hash(new TextEncoder().encode(`tendril/tasks/${workspace}`), 16)) as DocId;
}
