import { describe, expect, it } from 'vitest';
import { loadCrypto } from '../crypto/load.ts';
import type { DocId } from '../ids.ts';
import { MemoryDocStore } from '../sync/doc-store.ts';
import type { WebSocketConstructor, WebSocketLike } from '../sync/relay-client.ts';
import { newWorkspace } from './flows/create.ts';
import type { DeviceHomeState } from './home.ts';
import { WorkspaceSession } from './session.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });

/** A socket that never opens: the session stays offline. */
const NeverOpen = class implements WebSocketLike {
  binaryType = 'arraybuffer';
  readyState = 0;
  onopen = null;
  onclose = null;
  onerror = null;
  onmessage = null;
  send(): void {}
  close(): void {}
} as unknown as WebSocketConstructor;

describe('WorkspacePeer.openDoc', () => {
  it('gives concurrent callers the same document, so there is never an unsubscribed copy', async () => {
    const ws = newWorkspace(crypto, { relay: 'http://127.0.0.1:1', deviceName: 'test' });
    const stores = new Map<DocId, MemoryDocStore>();
    const home: DeviceHomeState = {
      ...ws,
      localKey: crypto.randomBytes(32),
      saveConfig: () => {},
      saveKeys: () => {},
      storeFor: (doc) => stores.get(doc) ?? stores.set(doc, new MemoryDocStore()).get(doc)!,
      close: () => {},
    };
    const session = await WorkspaceSession.open(crypto, home, { clientName: 'test', WebSocket: NeverOpen });
    const [one, two, three] = await Promise.all([session.openSettings(), session.openSettings(), session.openSettings()]);
    expect(two.sync).toBe(one.sync);
    expect(three.sync).toBe(one.sync);
    expect(session.peer.docs().filter((d) => d.doc === ws.config.docs.settings)).toHaveLength(1);
    await session.close();
  });
});
