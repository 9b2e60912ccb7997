/**
 * The input gate's memory across gateway restarts. Shells outlive the gateway
 * (tmux), and a signed input frame stays valid forever, so a gateway that
 * forgot the last counter per (session, device) would type a frame the relay
 * kept and sends again. A store keeps the highest accepted counter per
 * session and device; `persistCounters` wraps the gate rules a SessionManager
 * gets so each session starts from its stored counters and records every
 * accepted one before the frame reaches the PTY.
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

/** `rules` with counters loaded from and recorded in `store`. */
export function persistCounters(rules: GateRules, store: InputCounterStore): GateRules {
  return (id) => ({ ...rules(id), counters: store.load(id), record: (device, counter) => store.record(id, device, counter) });
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
