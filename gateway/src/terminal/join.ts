/**
 * How a viewer joins a session's output: from a position it already holds
 * when the ring still has it, else from a fresh snapshot. In the snapshot
 * case the live subscription is opened before the snapshot is asked for, at
 * the very position the snapshot will cover (the mirror is fed in the same
 * tick as subscribers), so joining does not depend on the ring even while
 * output floods. A snapshot may cover more than that position (a mirror that
 * rebuilt after falling behind covers everything up to its rebuild): the live
 * subscription then skips the batches it covers, since it holds them all.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { OutputStream } from './output-stream.ts';
import type { Subscription } from './output-subscriber.ts';
import type { ScreenSnapshot } from './snapshot.ts';

export interface JoinOptions {
  /** The first seq the viewer lacks; omit for a viewer with nothing. */
  readonly fromSeq?: number;
  readonly maxQueuedBytes?: number;
}

/** What a viewer needs to show the terminal: restore `snapshot` (if any), then consume `subscription`. */
export interface Join {
  readonly snapshot?: ScreenSnapshot;
  readonly subscription: Subscription;
}

export async function joinStream(stream: OutputStream, snapshot: () => Promise<ScreenSnapshot>, options: JoinOptions = {}): Promise<Join> {
  if (options.fromSeq !== undefined) {
    const direct = stream.subscribe(options);
    if (direct.kind === 'subscribed') return { subscription: direct.subscription };
  }
  const at = stream.next.seq;
  const live = stream.subscribe({ maxQueuedBytes: options.maxQueuedBytes });
  if (live.kind !== 'subscribed') throw new TendrilError('E_BAD_INPUT', 'a live subscription cannot need a snapshot');
  let s: ScreenSnapshot;
  try {
    s = await snapshot();
  } catch (error) {
    live.subscription.close();
    throw error;
  }
  const kept = live.subscription.closed?.code !== 'E_SLOW_CONSUMER';
  if (kept && s.coversSeq >= at && live.subscription.skipTo(s.coversSeq)) return { snapshot: s, subscription: live.subscription };
  live.subscription.close();
  // The viewer fell behind, or the snapshot is older than the subscription (an exited session's last one).
  const r = stream.subscribe({ ...options, fromSeq: s.coversSeq });
  if (r.kind === 'subscribed') return { snapshot: s, subscription: r.subscription };
  throw new TendrilError('E_TIMEOUT', 'the output moved past the snapshot before it could be replayed');
}
