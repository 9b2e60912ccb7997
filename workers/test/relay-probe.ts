/**
 * A device that speaks raw frames to the real relay through the real relay
 * client: it subscribes with whatever capability keys it is given and sends
 * any frame, as a revoked member or a stranger holding old keys would. Each
 * call resolves with the relay's answer for the document.
 */
import type { CryptoProvider, DeviceIdentity, KeyPair } from '@tendril/crdt-schema/crypto';
import type { DocId, WorkspaceId } from '@tendril/crdt-schema/ids';
import { RelayClient, type DocSync } from '@tendril/crdt-schema/sync';
import { syncUrl } from '@tendril/crdt-schema/workspace';
import { CapMode, FrameType, subscribeProofBytes, type Frame } from '@tendril/crdt-schema/wire';
import { NodeWebSocket } from '../src/peer/node-peer.ts';

export interface RelayProbe {
  readonly relay: RelayClient;
  /** Subscribes to `doc`, proving `mode` with `cap`; with `create`, registers it with `create`'s keys. */
  subscribe(doc: DocId, mode: CapMode, cap: KeyPair, create?: { writeKey: Uint8Array; readKey: Uint8Array }): Promise<Frame>;
  /** Sends a frame naming `doc` and resolves with the relay's next frame for it (or null when it stays silent). */
  request(doc: DocId, frame: Frame, quietMs?: number): Promise<Frame | null>;
  close(): void;
}

export async function openProbe(crypto: CryptoProvider, o: { url: string; workspace: WorkspaceId; identity: DeviceIdentity }): Promise<RelayProbe> {
  const waiters = new Map<DocId, (f: Frame) => void>();
  const relay = new RelayClient({
    url: syncUrl(o.url),
    workspace: o.workspace,
    device: { id: o.identity.deviceId, publicKey: o.identity.signPublicKey, sign: (m) => crypto.sign(m, o.identity.signSecretKey.expose()) },
    WebSocket: NodeWebSocket,
    clientName: 'probe',
  });
  const route = (doc: DocId): DocSync =>
    ({ doc, attach: () => {}, detach: () => {}, handle: (f: Frame) => waiters.get(doc)?.(f) }) as unknown as DocSync;
  const next = (doc: DocId, timeoutMs: number): Promise<Frame | null> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => (waiters.delete(doc), resolve(null)), timeoutMs);
      waiters.set(doc, (f) => {
        clearTimeout(timer);
        waiters.delete(doc);
        resolve(f);
      });
    });
  relay.connect();
  await relay.whenOpen(15_000);
  const probe: RelayProbe = {
    relay,
    async subscribe(doc, mode, cap, create) {
      relay.add(route(doc));
      const answer = next(doc, 15_000);
      const proof = crypto.sign(subscribeProofBytes(relay.nonce!, doc, mode), cap.secretKey);
      relay.sendFrame({ type: FrameType.Subscribe, doc, cursor: 0, mode, proof, ...(create ? { create } : {}) });
      const f = await answer;
      if (!f) throw new Error(`no answer to the subscribe of ${doc}`);
      return f;
    },
    async request(doc, frame, quietMs = 2000) {
      relay.add(route(doc));
      const answer = next(doc, quietMs);
      relay.sendFrame(frame);
      return answer;
    },
    close: () => relay.destroy(),
  };
  return probe;
}
