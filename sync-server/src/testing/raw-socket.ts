/**
 * A WebSocket opened by hand over TCP, for tests that send what no WebSocket
 * library would: a frame header announcing a large payload followed by only
 * part of it (a partial frame the server has to buffer).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface RawSocket {
  readonly socket: Socket;
  /** Resolves when the server closed or reset the connection. */
  readonly closed: Promise<void>;
  readonly isOpen: () => boolean;
}

/** Upgrades a TCP connection to `${baseUrl}/sync` and resolves once the 101 arrived. */
export async function rawUpgrade(baseUrl: string, opts: { localAddress?: string } = {}): Promise<RawSocket> {
  const url = new URL(baseUrl);
  const socket = connect({ host: url.hostname, port: Number(url.port), localAddress: opts.localAddress });
  socket.on('error', () => undefined);
  let open = true;
  const closed = new Promise<void>((resolve) => socket.once('close', () => ((open = false), resolve())));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.write(
    `GET /sync HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await new Promise<void>((resolve, reject) => {
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (head.startsWith('HTTP/1.1 101')) resolve();
      else reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
    };
    const onClose = (): void => reject(new Error('closed before any answer'));
    socket.on('data', onData);
    void closed.then(() => {
      if (!head.includes('\r\n\r\n')) onClose();
    });
  });
  socket.on('data', () => undefined); // keep reading what the relay sends
  return { socket, closed, isOpen: () => open };
}

/** A masked binary frame header announcing `length` payload bytes. */
export function frameHeader(length: number): Buffer {
  const header = Buffer.alloc(14);
  header[0] = 0x82;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  randomBytes(4).copy(header, 10);
  return header;
}

/** Writes `bytes` and resolves once they were handed to the kernel. */
export function writeAll(raw: RawSocket, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) => raw.socket.write(bytes, () => resolve()));
}
