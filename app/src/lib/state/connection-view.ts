/**
 * One reading of the connection for everything that shows it, so the status
 * bar and the offline banner never disagree (a green "Connected" beside an
 * "Offline" banner): the browser saying this device has no network wins over
 * a relay socket that has not noticed yet, and "this device is offline" is
 * told apart from "the relay is unreachable" (the network is up, the relay
 * does not answer). Plain data in, plain data out.
 */
import { ConnectionState } from '@tendril/crdt-schema/sync';

export const CONNECTION_KINDS = ['revoked', 'device-offline', 'relay-unreachable', 'connecting', 'reconnecting', 'syncing', 'connected'] as const;
export type ConnectionKind = (typeof CONNECTION_KINDS)[number];

export interface ConnectionInput {
  /** The browser's word on the network (navigator.onLine): false means no network at all. */
  readonly deviceOnline: boolean;
  readonly connection: ConnectionState;
  readonly everConnected: boolean;
  /** The last attempt to reach the relay failed and none succeeded since (a retry under way is still unreachable). */
  readonly relayFailed: boolean;
  readonly syncing: number;
  readonly revoked: boolean;
}

export interface ConnectionView {
  readonly kind: ConnectionKind;
  /** The status bar's words. */
  readonly label: string;
  /** The status dot: ok, busy, off or bad. */
  readonly tone: 'ok' | 'busy' | 'off' | 'bad';
  /** True when the offline banner shows (the device or the relay is out of reach). */
  readonly offline: boolean;
  /** Whether documents are catching up (progress is shown). */
  readonly syncing: boolean;
}

export function connectionView(i: ConnectionInput): ConnectionView {
  const v = (kind: ConnectionKind, label: string, tone: ConnectionView['tone']): ConnectionView => ({
    kind, label, tone, offline: kind === 'device-offline' || kind === 'relay-unreachable', syncing: kind === 'syncing',
  });
  if (i.revoked) return v('revoked', 'Removed from workspace', 'bad');
  if (!i.deviceOnline) return v('device-offline', 'This device is offline', 'off');
  if (i.connection === ConnectionState.Open) return i.syncing > 0 ? v('syncing', 'Syncing', 'busy') : v('connected', 'Connected', 'ok');
  // A retry while the relay keeps failing is still "unreachable": the banner does not flicker with each attempt.
  if (i.connection === ConnectionState.Connecting && !i.relayFailed) return i.everConnected ? v('reconnecting', 'Reconnecting…', 'busy') : v('connecting', 'Connecting…', 'busy');
  return v('relay-unreachable', 'Relay unreachable', 'off');
}
