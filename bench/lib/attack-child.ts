/**
 * The attacker of bench/relay-attacks.ts, in its own process so its work
 * does not slow the honest client's measurements:
 * `node --import tsx bench/lib/attack-child.ts`.
 *
 * - preauth: sockets from the given addresses announce a 2 MiB frame and send
 *   its payload in 64 KiB pieces before any hello; a dropped socket is
 *   replaced until the time is up. Answers what was opened, dropped and sent.
 * - setup / openReaders / closeReaders: a workspace of its own (open
 *   registration) with a document of large entries, then readers that
 *   subscribe from cursor 0 and stop reading.
 */
import { newWorkspaceId, type DocId, type WorkspaceId } from '@tendril/crdt-schema/ids';
import { CapMode } from '@tendril/crdt-schema/wire';
import { testKey, type TestCaps, type TestKey } from '../../sync-server/src/testing/keys.ts';
import { frameHeader, rawUpgrade, writeAll, type RawSocket } from '../../sync-server/src/testing/raw-socket.ts';
import type { TestClient } from '../../sync-server/src/testing/test-client.ts';
import { sleep } from './args.ts';
import { createDoc, fill, member } from './relay-peers.ts';
import { serveRpc } from './rpc.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

export interface PreAuthAttack {
  readonly url: string;
  readonly sockets: number;
  readonly addresses: readonly string[];
  readonly seconds: number;
}
export interface PreAuthStats {
  opened: number;
  dropped: number;
  sent: number;
}

async function preauth(a: PreAuthAttack): Promise<PreAuthStats> {
  const stats: PreAuthStats = { opened: 0, dropped: 0, sent: 0 };
  const until = Date.now() + a.seconds * 1000;
  const one = async (i: number): Promise<void> => {
    const localAddress = a.addresses[i % a.addresses.length]!;
    while (Date.now() < until) {
      let raw: RawSocket;
      try {
        raw = await rawUpgrade(a.url, { localAddress });
      } catch {
        await sleep(100);
        continue;
      }
      stats.opened++;
      await writeAll(raw, frameHeader(2 * MiB));
      for (let sent = 0; sent < 2 * MiB - 64 * KiB && raw.isOpen() && Date.now() < until; sent += 64 * KiB) {
        await Promise.race([writeAll(raw, new Uint8Array(64 * KiB)), raw.closed]);
        stats.sent += 64 * KiB;
      }
      // Hold what was sent until the relay drops the socket or the attack ends.
      await Promise.race([raw.closed, sleep(Math.max(0, until - Date.now()))]);
      if (raw.isOpen()) raw.socket.destroy();
      else stats.dropped++;
      await sleep(50);
    }
  };
  await Promise.all(Array.from({ length: a.sockets }, (_, i) => one(i)));
  return stats;
}

export interface SlowSetup {
  readonly url: string;
  readonly devices: number;
  readonly entries: number;
  readonly entryBytes: number;
  readonly addresses: readonly string[];
}

let target: { url: string; workspace: WorkspaceId; devices: TestKey[]; doc: DocId; caps: TestCaps; addresses: readonly string[] } | undefined;
const readers: TestClient[] = [];

async function setup(s: SlowSetup): Promise<boolean> {
  const devices = Array.from({ length: s.devices }, () => testKey());
  const workspace = newWorkspaceId();
  const owner = await member(s.url, workspace, devices[0]!, devices, s.addresses[0]);
  const { doc, caps } = await createDoc(owner);
  await fill(owner, doc, 1, s.entries, s.entryBytes, 8);
  await owner.client.close();
  target = { url: s.url, workspace, devices, doc, caps, addresses: s.addresses };
  return true;
}

async function openReaders(count: number): Promise<number> {
  const t = target!;
  for (let i = 0; i < count; i++) {
    const m = await member(t.url, t.workspace, t.devices[i % t.devices.length]!, undefined, t.addresses[i % t.addresses.length]);
    m.client.sendSubscribe(t.doc, t.caps, CapMode.Read, 0);
    m.client.ws.pause();
    readers.push(m.client);
  }
  return readers.length;
}

function closeReaders(): number {
  const open = readers.filter((r) => r.isOpen).length;
  for (const r of readers.splice(0)) r.ws.terminate();
  return open;
}

serveRpc(
  {
    preauth: (args) => preauth(args as PreAuthAttack),
    setup: (args) => setup(args as SlowSetup),
    openReaders: (args) => openReaders((args as { count: number }).count),
    closeReaders: () => closeReaders(),
  },
  { pid: process.pid },
  () => void closeReaders(),
);
