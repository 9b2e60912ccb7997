/**
 * Seeded random operations on the schema, weighted roughly like real use:
 * mostly messages and streaming, some list and settings edits, rare member
 * and plugin changes. An operation that does not apply to the peer's current
 * state is redrawn; after a few misses a chat is created instead.
 */
import * as chat from './ops-chat.ts';
import type { Op, OpContext } from './ops-context.ts';
import * as settings from './ops-settings.ts';
import * as terminal from './ops-terminal.ts';
import * as workspace from './ops-workspace.ts';

export const OPS = { ...workspace, ...chat, ...settings, ...terminal } satisfies Record<string, Op>;
export type OpName = keyof typeof OPS;

export const DEFAULT_WEIGHTS: Readonly<Record<OpName, number>> = {
  createChat: 1.5, renameChat: 2, pinChat: 1.5, deleteChat: 0.7, restoreChat: 0.3, reorderChat: 1, renameWorkspace: 0.3,
  addMember: 0.5, memberSeen: 1.5, revokeMember: 0.2, announce: 2, createSession: 0.5, sessionState: 1, putLockbox: 1,
  addMessage: 18, streamAppend: 20, editMessage: 2, setStatus: 5, setUsage: 2, claimTurn: 3, releaseClaim: 1, requestStop: 1,
  upsertProvider: 0.7, setApiKey: 0.7, toggleProvider: 0.3, setDefaultModel: 0.5, setTheme: 0.5, setSystemPrompt: 0.5, setRelayUrl: 0.3,
  installPlugin: 0.5, decideGrant: 1.5, revokeGrant: 0.7, appendActivity: 6,
  setSize: 2, addWriter: 1, removeWriter: 0.5, terminalState: 1, appendOutput: 5, putSnapshot: 0.7, pruneOutput: 0.2,
};

/** A weighted picker over operation names. */
export function opPicker(weights: Partial<Record<OpName, number>> = {}): (ctx: OpContext) => OpName {
  const table = Object.entries({ ...DEFAULT_WEIGHTS, ...weights }).filter(([, w]) => w > 0) as [OpName, number][];
  const total = table.reduce((s, [, w]) => s + w, 0);
  return (ctx) => {
    let r = ctx.prng.next() * total;
    for (const [name, w] of table) {
      r -= w;
      if (r < 0) return name;
    }
    return table[table.length - 1]![0];
  };
}

/** Runs one random operation on the context's peer; returns the name of the one that ran. */
export function randomOp(ctx: OpContext, pick: (ctx: OpContext) => OpName): OpName {
  for (let attempt = 0; attempt < 4; attempt++) {
    const name = pick(ctx);
    if (OPS[name](ctx)) return name;
  }
  OPS.createChat(ctx);
  return 'createChat';
}
