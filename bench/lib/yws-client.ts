/**
 * A plain y-websocket client (the `y-websocket` WebsocketProvider over `ws`)
 * for the baseline runs. Awareness is cleared once synced, so only document
 * updates travel, as with the Tendril readers.
 */
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

export interface YwsDoc {
  readonly ydoc: Y.Doc;
  readonly provider: WebsocketProvider;
  close(): void;
}

/** Connects `ydoc` (a new one by default) to room `room`; resolves once the first sync completed. */
export function openYwsDoc(serverUrl: string, room: string, ydoc: Y.Doc = new Y.Doc(), timeoutMs = 60_000): Promise<YwsDoc> {
  const provider = new WebsocketProvider(serverUrl.replace(/^http/, 'ws'), room, ydoc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  const handle: YwsDoc = {
    ydoc,
    provider,
    close: () => {
      provider.destroy();
      // The provider made this Awareness; destroy() leaves its 3-second interval running.
      provider.awareness.destroy();
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`y-websocket ${room} did not sync within ${timeoutMs} ms`)), timeoutMs);
    const onSync = (synced: boolean): void => {
      if (!synced) return;
      clearTimeout(timer);
      provider.off('sync', onSync);
      provider.awareness.setLocalState(null);
      resolve(handle);
    };
    provider.on('sync', onSync);
  });
}
