/**
 * A relay test double: a WebSocket man-in-the-middle in front of the real
 * relay that can rewrite, drop, repeat or reorder what the relay sends to a
 * device. It plays every attack a malicious relay could mount on a peer.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { decodeFrame, encodeFrame, Transcript, type Frame } from '@tendril/crdt-schema/wire';

/** Decides what reaches the device for one relay frame: frames to send instead (none = drop). */
export type Attack = (frame: Frame) => Frame[];

export interface MitmRelay {
  readonly url: string;
  /** Every frame both ways, as readable lines, with the raw bytes of everything relay-bound. */
  readonly transcript: Transcript;
  /** The attack applied to relay-to-device frames from now on (identity when null). */
  attack: Attack | null;
  close(): Promise<void>;
}

export async function startMitm(upstreamHttpUrl: string): Promise<MitmRelay> {
  const upstream = upstreamHttpUrl.replace(/^http/, 'ws') + '/sync';
  const server: Server = createServer();
  const wss = new WebSocketServer({ server, path: '/sync' });
  const sockets = new Set<WebSocket>();
  const mitm: MitmRelay = {
    url: '',
    transcript: new Transcript(),
    attack: null,
    close: async () => {
      for (const s of sockets) s.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  wss.on('connection', (device) => {
    const relay = new WebSocket(upstream);
    sockets.add(device);
    sockets.add(relay);
    const pending: Buffer[] = [];
    relay.on('open', () => {
      for (const p of pending) relay.send(p);
      pending.length = 0;
    });
    device.on('message', (data: Buffer) => {
      mitm.transcript.record('device', 'relay', new Uint8Array(data));
      if (relay.readyState === WebSocket.OPEN) relay.send(data);
      else pending.push(data);
    });
    relay.on('message', (data: Buffer) => {
      const frame = decodeFrame(new Uint8Array(data));
      const out = mitm.attack ? mitm.attack(frame) : [frame];
      for (const f of out) {
        mitm.transcript.record('relay', 'device', f);
        device.send(encodeFrame(f));
      }
    });
    const end = (): void => {
      device.terminate();
      relay.terminate();
    };
    device.on('close', end);
    relay.on('close', end);
    device.on('error', end);
    relay.on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  (mitm as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return mitm;
}
