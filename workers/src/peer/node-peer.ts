/**
 * A workspace session for Node programs (CLI, gateway, workers): a home in
 * files and SQLite, and the `ws` WebSocket.
 */
import WebSocket from 'ws';
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import type { WebSocketConstructor } from '@tendril/crdt-schema/sync';
import { WorkspaceSession, type DeviceHomeState } from '@tendril/crdt-schema/workspace';

export interface NodeSessionOptions {
  readonly clientName: string;
  /** Overrides the relay base URL from the home (tests, proxies). */
  readonly relay?: string;
  readonly snapshotEvery?: number;
}

/**
 * Client frames with an all-zero masking key, which `ws` neither applies (no copy of each outgoing
 * payload, no pass over its bytes) nor removes at the relay. Masking keeps script in a browser from
 * choosing the bytes an intermediary sees; a Node peer runs no foreign script, and what it sends is
 * ciphertext, signatures and ids. Browsers keep masking as they must. Unmasked, `ws` sends the
 * caller's buffer itself when the socket is busy: nothing may change bytes it handed to `send`
 * (RelayClient sends fresh arrays only).
 */
class UnmaskedWebSocket extends WebSocket {
  constructor(url: string) {
    super(url, { generateMask: (mask: Buffer) => void mask.fill(0) });
  }
}

export const NodeWebSocket = UnmaskedWebSocket as unknown as WebSocketConstructor;

export function openNodeSession(crypto: CryptoProvider, home: DeviceHomeState, o: NodeSessionOptions): Promise<WorkspaceSession> {
  return WorkspaceSession.open(crypto, home, { ...o, WebSocket: NodeWebSocket });
}
