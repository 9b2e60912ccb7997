/**
 * A process full of light readers (see light-client.ts), so their CPU is
 * neither the server's nor the measuring process's:
 * `node --import tsx bench/lib/reader-child.ts`.
 *
 * Commands: `open` {target, count, concurrency?, localAddresses?} opens
 * `count` more readers (each tendril reader with its own device identity) and
 * resolves when all are ready; `received` sums what they counted; `close`.
 */
import { loadCrypto, generateDeviceIdentity } from '@tendril/crdt-schema/crypto';
import { openLightReader, type LightReader, type LightTarget } from './light-client.ts';
import { serveRpc } from './rpc.ts';

export interface OpenReaders {
  readonly target: LightTarget;
  readonly count: number;
  /** Handshakes in flight at once. Default 64. */
  readonly concurrency?: number;
  /** Source addresses used round-robin (e.g. 127.0.0.1..127.0.0.4). */
  readonly localAddresses?: readonly string[];
}

const crypto = await loadCrypto();
const readers: LightReader[] = [];

async function open(o: OpenReaders): Promise<number> {
  const concurrency = o.concurrency ?? 64;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < o.count) {
      const i = next++;
      const localAddress = o.localAddresses?.length ? o.localAddresses[i % o.localAddresses.length] : undefined;
      const target = localAddress ? { ...o.target, localAddress } : o.target;
      const identity = o.target.kind === 'tendril' ? generateDeviceIdentity(crypto) : undefined;
      readers.push(await openLightReader(target, crypto, identity));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, o.count) }, worker));
  return readers.length;
}

serveRpc(
  {
    open: (args) => open(args as OpenReaders),
    received: () => readers.reduce((n, r) => n + r.received, 0),
    close: () => {
      for (const r of readers.splice(0)) r.close();
      return true;
    },
  },
  { pid: process.pid },
  () => {
    for (const r of readers.splice(0)) r.close();
  },
);
