/**
 * Where an agent's memory lives: one document per agent, its id derived from
 * the workspace and the agent id, so every device finds the same document
 * without a pointer anywhere (the built-in assistant, which has no stored
 * entry, has memory too) and two devices opening it first at once converge.
 * Memory documents are in the chats scope: the devices and workers that may
 * write chats may write an agent's memory, as the agent writes its replies.
 * The relay sees an id it cannot tie to an agent without the workspace id.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { toBase64Url, type DocId, type WorkspaceId } from '../ids.ts';
import { Scope } from '../keyring/scopes.ts';

/** The scope whose keys seal memory documents. */
export const MEMORY_SCOPE = Scope.Chats;

/** The document id of `agent`'s memory (an agent id, or the general assistant's plugin id). */
export function memoryDocId(crypto: CryptoProvider, workspace: WorkspaceId, agent: string): DocId {
  return toBase64Url(crypto.hash(new TextEncoder().encode(`tendril/memory/${workspace}/${agent}`), 16)) as DocId;
}
