/**
 * The status bar and the offline banner read one view: over every
 * combination of inputs, a green "Connected" never shows with the banner,
 * the banner shows exactly when the label says offline or unreachable, and
 * a device without network is told apart from a relay that does not answer.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionState } from '@tendril/crdt-schema/sync';
import { connectionView } from './connection-view.ts';

const STATES = [ConnectionState.Offline, ConnectionState.Connecting, ConnectionState.Open];

describe('connection view', () => {
  it('never shows Connected beside the offline banner, over every combination', () => {
    for (const deviceOnline of [true, false])
      for (const connection of STATES)
        for (const everConnected of [true, false])
          for (const relayFailed of [true, false])
            for (const syncing of [0, 3])
              for (const revoked of [true, false]) {
                const v = connectionView({ deviceOnline, connection, everConnected, relayFailed, syncing, revoked });
                const at = JSON.stringify({ deviceOnline, connection, everConnected, relayFailed, syncing, revoked });
                expect(v.offline && v.tone === 'ok', at).toBe(false);
                expect(v.offline, at).toBe(v.label === 'This device is offline' || v.label === 'Relay unreachable');
                if (!deviceOnline && !revoked) expect(v.kind, at).toBe('device-offline');
              }
  });

  it('tells a device without network from an unreachable relay, and a socket the browser knows is dead from a live one', () => {
    const base = { everConnected: true, relayFailed: false, syncing: 0, revoked: false };
    // The socket still says open, but the browser knows there is no network: offline, not Connected.
    expect(connectionView({ ...base, deviceOnline: false, connection: ConnectionState.Open })).toMatchObject({ kind: 'device-offline', label: 'This device is offline', offline: true });
    expect(connectionView({ ...base, deviceOnline: true, connection: ConnectionState.Offline })).toMatchObject({ kind: 'relay-unreachable', label: 'Relay unreachable', offline: true });
    expect(connectionView({ ...base, deviceOnline: true, connection: ConnectionState.Open })).toMatchObject({ kind: 'connected', tone: 'ok', offline: false });
    expect(connectionView({ ...base, deviceOnline: true, connection: ConnectionState.Connecting })).toMatchObject({ kind: 'reconnecting', offline: false });
    // Retrying after a failure stays "unreachable" (no flicker between attempts); a first connect is "Connecting…".
    expect(connectionView({ ...base, relayFailed: true, deviceOnline: true, connection: ConnectionState.Connecting })).toMatchObject({ kind: 'relay-unreachable', offline: true });
    expect(connectionView({ ...base, everConnected: false, deviceOnline: true, connection: ConnectionState.Connecting })).toMatchObject({ kind: 'connecting', offline: false });
    expect(connectionView({ ...base, revoked: true, deviceOnline: false, connection: ConnectionState.Offline })).toMatchObject({ kind: 'revoked', offline: false });
  });
});
