/**
 * Writes a stream plan to an HTTP response the way a provider would: paced,
 * respecting backpressure, with the scenario's faults applied (an error event
 * after N pieces, a stall, endless filler until the client leaves). Reports
 * whether the stream completed or the client went away first.
 */
import type { ServerResponse } from 'node:http';
import type { Frame, StreamPlan } from './plan.ts';
import type { Scenario } from './scenario.ts';

/** How a recorded request ended: answered in full, or the client left (abort, timeout) first. */
export type Outcome = 'completed' | 'aborted';

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves when the response's connection closes (client gone, or the response finished). */
export function closedSignal(res: ServerResponse): { readonly gone: () => boolean; readonly closed: Promise<void> } {
  let gone = res.destroyed;
  const closed = new Promise<void>((resolve) => res.once('close', () => {
    gone = true;
    resolve();
  }));
  return { gone: () => gone || res.destroyed, closed };
}

export async function writeStream(res: ServerResponse, plan: StreamPlan, s: Scenario): Promise<Outcome> {
  const { gone, closed } = closedSignal(res);
  const delay = s.chunkDelayMs ?? (s.endless ? 2 : 0);
  const send = async (frame: Frame): Promise<boolean> => {
    if (delay > 0) await wait(delay);
    if (gone()) return false;
    if (!res.write(frame.sse)) await Promise.race([new Promise((r) => res.once('drain', r)), closed]);
    return !gone();
  };
  const fault = async (pieces: number): Promise<Outcome | undefined> => {
    if (s.errorAfterChunks === pieces) {
      if (!(await send(plan.error(s.errorMessage ?? 'fake mid-stream failure')))) return 'aborted';
      res.end();
      return 'completed';
    }
    if (s.stallAfterChunks === pieces) {
      await closed;
      return 'aborted';
    }
    return undefined;
  };

  for (const frame of plan.prelude) if (!(await send(frame))) return 'aborted';
  let pieces = 0;
  for (let i = 0; i <= plan.content.length; i++) {
    if (i === plan.fillerAt && s.endless) {
      for (let n = 0; ; n++) if (!(await send(plan.filler(n)))) return 'aborted';
    }
    const frame = plan.content[i];
    if (frame === undefined) break;
    if (frame.piece) {
      const ended = await fault(pieces);
      if (ended) return ended;
      pieces++;
    }
    if (!(await send(frame))) return 'aborted';
  }
  const ended = await fault(pieces);
  if (ended) return ended;
  for (const frame of plan.finish) if (!(await send(frame))) return 'aborted';
  res.end();
  return 'completed';
}
