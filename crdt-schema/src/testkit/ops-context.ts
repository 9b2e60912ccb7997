/**
 * What a random operation works with: one peer, its documents seen through
 * the typed accessors, seeded randomness and ids, and the virtual clock.
 */
import type { DeviceId, DocId, PluginId } from '../ids.ts';
import { chatDoc, permissionsDoc, settingsDoc, terminalDoc, workspaceDoc, type ChatEntry, type SessionEntry } from '../schema/index.ts';
import type { Peer } from './peers.ts';
import type { Prng } from './prng.ts';
import type { TestIds } from './test-ids.ts';

/** The documents every peer shares from the start. */
export interface SharedDocs {
  readonly workspace: DocId;
  readonly settings: DocId;
  readonly permissions: DocId;
}

export interface OpContext {
  readonly prng: Prng;
  readonly ids: TestIds;
  readonly peer: Peer;
  /** Device ids of all peers (members, writers, gateways are drawn from these). */
  readonly devices: readonly DeviceId[];
  /** A few plugin ids every peer knows, so grants on them collide. */
  readonly plugins: readonly PluginId[];
  readonly shared: SharedDocs;
  now(): number;
}

/** One random operation; false when it does not apply to the peer's current state. */
export type Op = (ctx: OpContext) => boolean;

export function docs(ctx: OpContext) {
  const options = { now: ctx.now };
  return {
    ws: workspaceDoc(ctx.peer.doc(ctx.shared.workspace), options),
    settings: settingsDoc(ctx.peer.doc(ctx.shared.settings), options),
    perms: permissionsDoc(ctx.peer.doc(ctx.shared.permissions), options),
    chat: (docId: DocId) => chatDoc(ctx.peer.doc(docId), options),
    terminal: (docId: DocId) => terminalDoc(ctx.peer.doc(docId), options),
  };
}

export function pickChat(ctx: OpContext): ChatEntry | undefined {
  const chats = docs(ctx).ws.chats;
  const ids = chats.ids();
  return ids.length === 0 ? undefined : chats.get(ctx.prng.pick(ids));
}

export function pickSession(ctx: OpContext, filter: (s: SessionEntry) => boolean = () => true): SessionEntry | undefined {
  const sessions = docs(ctx).ws.sessions.list().filter(filter);
  return sessions.length === 0 ? undefined : ctx.prng.pick(sessions);
}

export function text(ctx: OpContext, min = 1, max = 24): string {
  return ctx.prng.string(ctx.prng.int(min, max));
}
