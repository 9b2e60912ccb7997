/**
 * The fan-out between relays in one process: a bus that each relay joins
 * with its own `Fanout`. It delivers every message to the other members, in
 * publish order, on a later microtask (as a network bus would: never inside
 * the publisher's call). For tests and embedding several relays on one
 * memory store; `losing` drops messages, to show the relays close the gaps
 * from the store.
 */
import type { Fanout, FanoutListener, FanoutMessage } from './types.ts';

export interface MemoryFanoutBus {
  /** A new member's fan-out. */
  join(): Fanout;
  /** While true, published messages reach nobody (a bus outage); set back to false, members get `resync` when `notify` is true. */
  losing(on: boolean, notify?: boolean): void;
}

export function createMemoryFanoutBus(): MemoryFanoutBus {
  const members = new Set<{ listener: FanoutListener | undefined }>();
  let losing = false;
  return {
    join() {
      const me: { listener: FanoutListener | undefined } = { listener: undefined };
      members.add(me);
      return {
        shared: true,
        publish(msg: FanoutMessage) {
          if (losing || !members.has(me)) return;
          for (const other of members) {
            if (other === me) continue;
            queueMicrotask(() => other.listener?.message(msg));
          }
        },
        start(listener) {
          me.listener = listener;
          return Promise.resolve();
        },
        close() {
          members.delete(me);
          me.listener = undefined;
          return Promise.resolve();
        },
      };
    },
    losing(on, notify = false) {
      losing = on;
      if (!on && notify) for (const m of members) queueMicrotask(() => m.listener?.resync());
    },
  };
}
