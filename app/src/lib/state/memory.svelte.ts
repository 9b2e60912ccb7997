/**
 * One agent's memory document as reactive state (the Agents page's memory
 * view): its entries without their embeddings, refreshed once per frame on
 * change, local or synced. Opened when the view opens, dropped when it closes.
 */
import type { MemoryDoc, MemoryEntry } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { frameBatched } from './frame-batch.ts';

export type ShownEntry = Omit<MemoryEntry, 'embedding'> & { readonly embedded: boolean };

export class AgentMemoryState {
  entries = $state.raw<ShownEntry[]>([]);
  readonly doc: MemoryDoc;
  private readonly stop: () => void;
  private readonly batch = frameBatched(() => this.refresh());

  private constructor(doc: MemoryDoc) {
    this.doc = doc;
    this.refresh();
    this.stop = doc.observe(() => this.batch.schedule());
  }

  /** Opens the memory of `agent` (an agent id, or the general assistant's plugin id). */
  static async open(session: WorkspaceSession, agent: string): Promise<AgentMemoryState> {
    const { memory } = await session.openMemory(agent);
    return new AgentMemoryState(memory);
  }

  private refresh(): void {
    this.entries = this.doc.list().map(({ embedding, ...rest }) => ({ ...rest, embedded: embedding !== undefined }));
  }

  destroy(): void {
    this.batch.cancel();
    this.stop();
  }
}
