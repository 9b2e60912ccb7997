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

export const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

export function openNodeSession(crypto: CryptoProvider, home: DeviceHomeState, o: NodeSessionOptions): Promise<WorkspaceSession> {
  return WorkspaceSession.open(crypto, home, { ...o, WebSocket: NodeWebSocket });
}
