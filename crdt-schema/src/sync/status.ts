/**
 * What a synced document (or a whole relay connection) tells its user. States
 * are an `as const` object plus a union; the status object carries progress,
 * the count of local changes not yet acknowledged, and the last error.
 */
import type { ErrorCode } from '../errors.ts';

export const SyncState = {
  /** Opening the WebSocket or completing the hello handshake. */
  Connecting: 'connecting',
  /** Subscribed and receiving the entries missed while away; see `progress`. */
  Syncing: 'syncing',
  /** Caught up with the relay; live entries follow. */
  Synced: 'synced',
  /** No connection; local changes queue in the outbox. */
  Offline: 'offline',
  /** Something is wrong that needs attention; see `error`. Sync may continue. */
  Error: 'error',
} as const;
export type SyncState = (typeof SyncState)[keyof typeof SyncState];

export interface SyncProblem {
  readonly code: ErrorCode;
  readonly message: string;
  /** True when the problem is evidence that the relay misbehaved. */
  readonly relayMisbehaviour: boolean;
}

export interface SyncStatus {
  readonly state: SyncState;
  /** Entries received during this catch-up and how many were expected. */
  readonly progress: { readonly received: number; readonly expected: number };
  /** Local changes not yet acknowledged by the relay. */
  readonly unacked: number;
  readonly error: SyncProblem | null;
}
