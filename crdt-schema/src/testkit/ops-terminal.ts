/**
 * Random operations on terminal documents. Output and snapshots are written
 * only by the session's gateway, their single writer by design.
 */
import { SESSION_STATES, type TerminalDoc } from '../schema/index.ts';
import { docs, pickSession, type Op, type OpContext } from './ops-context.ts';

function withTerminal(f: (ctx: OpContext, t: TerminalDoc) => void, gatewayOnly = false): Op {
  return (ctx) => {
    const s = pickSession(ctx, (x) => !gatewayOnly || x.gateway === ctx.peer.device);
    if (s === undefined) return false;
    f(ctx, docs(ctx).terminal(s.docId));
    return true;
  };
}

export const setSize = withTerminal((ctx, t) => t.setSize(ctx.prng.int(20, 300), ctx.prng.int(5, 100), ctx.peer.device));
export const addWriter = withTerminal((ctx, t) => t.writers.add(ctx.prng.pick(ctx.devices), ctx.peer.device));
export const removeWriter = withTerminal((ctx, t) => {
  const list = t.writers.list();
  if (list.length > 0) t.writers.remove(ctx.prng.pick(list).device);
});
export const terminalState = withTerminal((ctx, t) => t.setState(ctx.prng.pick(SESSION_STATES)));

export const appendOutput = withTerminal((ctx, t) => {
  t.output.append(Array.from({ length: ctx.prng.int(1, 8) }, () => ctx.prng.bytes(ctx.prng.int(1, 64))));
}, true);

export const putSnapshot = withTerminal((ctx, t) => {
  t.snapshots.put({ coversSeq: t.output.end(), bytes: ctx.prng.bytes(ctx.prng.int(16, 128)), by: ctx.peer.device });
}, true);

export const pruneOutput = withTerminal((_ctx, t) => {
  const oldest = t.snapshots.list()[0];
  if (oldest !== undefined) t.output.prune(oldest.coversSeq);
}, true);
