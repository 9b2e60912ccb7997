import { describe, expect, it } from 'vitest';
import { loadCrypto } from '../crypto/load.ts';
import { generateDeviceIdentity } from '../crypto/keys.ts';
import { newWorkspaceId } from '../ids.ts';
import { MemoryDocStore } from '../sync/doc-store.ts';
import type { WebSocketConstructor } from '../sync/relay-client.ts';
import { MAX_PROBLEMS, WorkspacePeer } from './peer.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });

describe('problems a peer keeps', () => {
  it('keeps the latest ones and counts them all, however long a relay misbehaves', () => {
    const peer = new WorkspacePeer({
      crypto, identity: generateDeviceIdentity(crypto), workspace: newWorkspaceId(), keys: () => new Map(), directory: { member: () => undefined },
      localKey: crypto.randomBytes(32), storeFor: () => new MemoryDocStore(),
      relay: { url: 'ws://127.0.0.1:1/sync', WebSocket: class {} as unknown as WebSocketConstructor, clientName: 'test' },
    });
    for (let i = 0; i < MAX_PROBLEMS + 250; i++) peer.relay.emit('problem', [{ code: 'E_REORDER', message: `#${i}`, relayMisbehaviour: true }]);
    expect(peer.seenProblems).toHaveLength(MAX_PROBLEMS);
    expect(peer.problemCount).toBe(MAX_PROBLEMS + 250);
    expect(peer.seenProblems[0]!.message).toBe('#250');
    expect(peer.seenProblems.at(-1)!.message).toBe(`#${MAX_PROBLEMS + 249}`);
  });
});
