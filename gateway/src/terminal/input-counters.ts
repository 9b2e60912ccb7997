/**
 * The input gate's memory across gateway restarts. Shells outlive the gateway
 * (tmux), and a signed input frame stays valid forever, so a gateway that
 * forgot the last counter per (session, device) would type a frame the relay
 * kept and sends again. A store keeps the highest accepted counter per
 * session and device; `persistCounters` wraps the gate rules a SessionManager
 * gets so each session starts from its stored counters, and no frame reaches
 * the PTY with a counter above the one on record.
 *
 * A store write per keystroke would sit on the echo path, so counters are
 * reserved ahead: the first frame above the mark on record stores a mark
 * `reserveAhead` (1,024) above its counter, and the frames up to that mark
 * pass without a write. Replay protection across restarts is unchanged: the
 * mark on record is never below a counter that reached the shell, and a
 * restarted gateway refuses everything up to it. Viewers learn where to type
 * from the gateway on joining (InputState), so they type above the mark; a
 * frame in flight across the restart with a counter under it is refused, and
 * its sender moves above the mark.
 *
 * What a store must guarantee: `record` returns only once the counter would
 * survive the gateway process dying (it need not survive the machine: the
 * shells would not either); counters never go down, and are never dropped:
 * not when a shell is detached for a restart (which looks like an end), and
 * not when a session really ends (its counters are its tombstone, so no frame
 * of it can pass again should the same session id ever run again).
 */
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';
import type { InputGateOptions } from './input-gate.ts';

export interface InputCounterStore {
  /** The highest counter recorded per device for the session (empty when none). */
  load(session: SessionId): ReadonlyMap<DeviceId, number>;
  /** Records `counter` unless a higher one is on record; throws when it cannot be kept. */
  record(session: SessionId, device: DeviceId, counter: number): void;
}

/** Gate rules as SessionManager takes them (the session id is filled in by the session). */
export type GateRules = (id: SessionId) => Omit<InputGateOptions, 'session'>;

/** Counters reserved per store write (see the header). */
export const RESERVE_AHEAD = 1024;

/** `rules` with counters loaded from `store`, and marks reserved in it ahead of the counters accepted. */
export function persistCounters(rules: GateRules, store: InputCounterStore, reserveAhead = RESERVE_AHEAD): GateRules {
  return (id) => {
    const counters = store.load(id);
    const reserved = new Map(counters);
    return {
      ...rules(id),
      counters,
      record: (device, counter) => {
        if (counter <= (reserved.get(device) ?? -1)) return;
        const mark = Math.min(Number.MAX_SAFE_INTEGER, counter + reserveAhead);
        store.record(id, device, mark);
        reserved.set(device, mark);
      },
    };
  };
}

/** A store that lives as long as the process (tests, gateways without a home). */
export function memoryCounterStore(): InputCounterStore {
  const sessions = new Map<SessionId, Map<DeviceId, number>>();
  return {
    load: (session) => new Map(sessions.get(session) ?? []),
    record(session, device, counter) {
      const devices = sessions.get(session) ?? new Map<DeviceId, number>();
      sessions.set(session, devices);
      devices.set(device, Math.max(counter, devices.get(device) ?? counter));
    },
  };
}
