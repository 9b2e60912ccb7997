/**
 * Protocol-only readers: they connect, complete each system's handshake and
 * subscription, then only count the update messages they receive. They put
 * the same load on a server as a full reader (the server cannot tell) at a
 * fraction of the client CPU, so a two-core machine can hold a hundred
 * readers while a few full readers measure latency.
 *
 * - tendril: Challenge -> Hello (signed proof) -> Welcome -> Subscribe (read
 *   capability proof) -> Subscribed -> CaughtUp; counts Entry frames.
 * - yws: opens `/<room>`; counts sync-update messages (y-protocols type 0/2).
 * - raw: opens `/<room>`; counts every message.
 */
import WebSocket from 'ws';
import type { CryptoProvider, DeviceIdentity } from '@tendril/crdt-schema/crypto';
import { fromBase64Url } from '@tendril/crdt-schema/ids';
import { CapMode, decodeFrame, encodeFrame, FrameType, helloProofBytes, PROTOCOL_VERSION, subscribeProofBytes, type Frame } from '@tendril/crdt-schema/wire';
import type { ReadGrant } from './tendril.ts';

export type SystemKind = 'tendril' | 'yws' | 'raw';

export interface LightTarget {
  readonly kind: SystemKind;
  /** http://host:port of the server. */
  readonly url: string;
  /** Room (yws, raw) or nothing (tendril uses the grant's document). */
  readonly room?: string;
  readonly grant?: ReadGrant;
  /** Local source address, e.g. 127.0.0.2, to spread connections over addresses. */
  readonly localAddress?: string;
}

export interface LightReader {
  /** Update messages received since the subscription was ready. */
  readonly received: number;
  close(): void;
}

const YWS_SYNC = 0;
const YWS_UPDATE = 2;

/** Resolves once the reader is subscribed and caught up (tendril) or open (yws, raw). */
export function openLightReader(t: LightTarget, crypto?: CryptoProvider, identity?: DeviceIdentity): Promise<LightReader> {
  const path = t.kind === 'tendril' ? '/sync' : `/${t.room ?? 'bench'}`;
  const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}${path}`, {
    perMessageDeflate: false,
    ...(t.localAddress ? { localAddress: t.localAddress } : {}),
  });
  let received = 0;
  const reader: LightReader = {
    get received() {
      return received;
    },
    close: () => socket.terminate(),
  };
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', (code) => reject(new Error(`closed before ready (${code})`)));
    if (t.kind !== 'tendril') {
      socket.on('message', (data: Buffer) => {
        if (t.kind === 'raw' || (data[0] === YWS_SYNC && data[1] === YWS_UPDATE)) received++;
      });
      socket.once('open', () => resolve(reader));
      return;
    }
    if (!crypto || !identity || !t.grant) throw new Error('a tendril reader needs crypto, an identity and a read grant');
    const grant = t.grant;
    const readCap = fromBase64Url(grant.readCapSecret);
    const send = (f: Frame): void => socket.send(encodeFrame(f));
    let ready = false;
    socket.on('message', (data: Buffer) => {
      if (ready) {
        if (data[0] === FrameType.Entry) received++;
        return;
      }
      const frame = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      switch (frame.type) {
        case FrameType.Challenge:
          send({
            type: FrameType.Hello,
            version: PROTOCOL_VERSION,
            workspace: grant.workspace,
            device: identity.deviceId,
            proof: crypto.sign(helloProofBytes(frame.nonce, grant.workspace, identity.signPublicKey), identity.signSecretKey.expose()),
            client: 'bench-light',
            accessCode: '',
          });
          nonce = frame.nonce;
          return;
        case FrameType.Welcome:
          send({ type: FrameType.Subscribe, doc: grant.doc, cursor: 0, mode: CapMode.Read, proof: crypto.sign(subscribeProofBytes(nonce, grant.doc, CapMode.Read), readCap) });
          return;
        case FrameType.CaughtUp:
          ready = true;
          resolve(reader);
          return;
        case FrameType.Error:
          reject(new Error(`relay refused a light reader: ${frame.code} ${frame.message}`));
          socket.terminate();
          return;
        default:
          return;
      }
    });
    let nonce: Uint8Array = new Uint8Array(0);
  });
}
