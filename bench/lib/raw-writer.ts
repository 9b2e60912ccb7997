/**
 * A protocol-only Tendril writer: handshake, a write subscription that
 * registers its document, then pre-sealed envelopes sent as fast as a window
 * of unacknowledged frames allows. It measures the relay's append path
 * (verify, commit, ack) without the client's sealing cost in the loop.
 */
import WebSocket from 'ws';
import type { CryptoProvider, DeviceIdentity } from '@tendril/crdt-schema/crypto';
import { secret } from '@tendril/crdt-schema/crypto';
import { EnvelopeKind, sealEnvelope } from '@tendril/crdt-schema/envelope';
import type { DocId } from '@tendril/crdt-schema/ids';
import { deriveDocKeys, Scope } from '@tendril/crdt-schema/keyring';
import { CapMode, decodeFrame, encodeFrame, enrolBytes, FrameType, helloProofBytes, PROTOCOL_VERSION, subscribeProofBytes, type Frame } from '@tendril/crdt-schema/wire';
import { syncUrlOf, type BenchWorkspace } from './tendril.ts';

export interface RawWriter {
  /** Sends envelope `ref` (its counter); `onAck` runs when the relay acknowledged it. */
  send(ref: number, envelope: Uint8Array): void;
  onAck: (ref: number, seq: number) => void;
  close(): void;
}

/** `count` update envelopes for `doc` by `author`, counters 1..count, each with `payloadBytes` of plaintext. */
export function sealMany(ws: BenchWorkspace, author: DeviceIdentity, doc: DocId, count: number, payloadBytes: number): Uint8Array[] {
  const view = deriveDocKeys(ws.crypto, ws.keys.get(Scope.Chats)!, doc);
  const key = secret(view.contentKey(view.current)!);
  const plaintext = ws.crypto.randomBytes(payloadBytes);
  return Array.from({ length: count }, (_, i) =>
    sealEnvelope(ws.crypto, { kind: EnvelopeKind.Update, doc, epoch: view.current, key, author, counter: i + 1, plaintext }),
  );
}

export function openRawWriter(o: {
  readonly url: string;
  readonly ws: BenchWorkspace;
  readonly identity: DeviceIdentity;
  readonly doc: DocId;
  readonly register: boolean;
  /** Devices this (admin) writer enrols right after its hello: only members may write. */
  readonly enrol?: readonly DeviceIdentity[];
}): Promise<RawWriter> {
  const crypto: CryptoProvider = o.ws.crypto;
  const view = deriveDocKeys(crypto, o.ws.keys.get(Scope.Chats)!, o.doc);
  const writeCap = view.writeCap!;
  const socket = new WebSocket(syncUrlOf(o.url), { perMessageDeflate: false });
  const send = (f: Frame): void => socket.send(encodeFrame(f));
  const writer: RawWriter = {
    send: (ref, envelope) => send({ type: FrameType.Envelope, doc: o.doc, ref, envelope }),
    onAck: () => {},
    close: () => socket.terminate(),
  };
  let nonce: Uint8Array = new Uint8Array(0);
  let ready = false;
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.on('message', (data: Buffer) => {
      const frame = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      switch (frame.type) {
        case FrameType.Ack:
          writer.onAck(frame.ref, frame.seq);
          return;
        case FrameType.Challenge:
          nonce = frame.nonce;
          send({
            type: FrameType.Hello,
            version: PROTOCOL_VERSION,
            workspace: o.ws.workspace,
            device: o.identity.deviceId,
            proof: crypto.sign(helloProofBytes(nonce, o.ws.workspace, o.identity.signPublicKey), o.identity.signSecretKey.expose()),
            client: 'bench-writer',
            accessCode: '',
            ...(o.register ? { register: { admins: [o.identity.signPublicKey] } } : {}),
          });
          return;
        case FrameType.Welcome:
          // Handled in order before the Subscribe below, so members are enrolled when this writer is ready.
          for (const d of o.enrol ?? []) {
            send({ type: FrameType.Enrol, workspace: o.ws.workspace, device: d.signPublicKey, signer: o.identity.deviceId, token: new Uint8Array(0), signature: crypto.sign(enrolBytes(o.ws.workspace, d.signPublicKey), o.identity.signSecretKey.expose()) });
          }
          send({
            type: FrameType.Subscribe,
            doc: o.doc,
            cursor: 0,
            mode: CapMode.Write,
            proof: crypto.sign(subscribeProofBytes(nonce, o.doc, CapMode.Write), writeCap.secretKey),
            create: { writeKey: writeCap.publicKey, readKey: view.readCap.publicKey },
          });
          return;
        case FrameType.CaughtUp:
          if (!ready) {
            ready = true;
            resolve(writer);
          }
          return;
        case FrameType.Error:
          reject(new Error(`relay refused a writer: ${frame.code} ${frame.message}`));
          return;
        default:
          return;
      }
    });
  });
}
