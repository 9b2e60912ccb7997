/**
 * Subscription memory: what one more followed document costs the relay, the
 * figure behind its per-connection document cap. The relay (SQLite) runs
 * alone in a child process with --expose-gc; its V8 heap is read after a full
 * GC at three points:
 *
 * - base: one device connected, no document;
 * - first: that connection registered and follows `docs` documents (each
 *   with one entry): a subscription, the fan-out entry of a followed
 *   document, and whatever the store keeps per document;
 * - second: a second connection of the same device follows the same
 *   documents (the fan-out entries exist already: subscriptions only).
 *
 *   node --import tsx bench/relay-subscription-memory.ts [--docs 3000] [--wait-quiet 60]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import WebSocket from 'ws';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import { createCounterTracker } from '@tendril/crdt-schema/envelope';
import type { DocId } from '@tendril/crdt-schema/ids';
import { DocSync, MemoryDocStore, RelayClient, type WebSocketConstructor } from '@tendril/crdt-schema/sync';
import { createDocCipher } from '@tendril/crdt-schema/workspace';
import { Scope } from '@tendril/crdt-schema/keyring';
import { parseFlags } from './lib/args.ts';
import { libPath, startChild } from './lib/child.ts';
import type { Usage } from './lib/rpc.ts';
import type { ServerReady, ServerSpec } from './lib/server-child.ts';
import { fmtBytes } from './lib/stats.ts';
import { contentionWarning, machineNote, printTable, waitForQuiet } from './lib/table.ts';
import { createBenchWorkspace, newDocId, syncUrlOf, type BenchWorkspace } from './lib/tendril.ts';

const flags = parseFlags();
const DOCS = flags.number('docs', 3000);
const WAIT_QUIET = flags.number('wait-quiet', 60);
flags.done();

const crypto = await loadCrypto();

/** One connection of the workspace admin following `docs` (registering them when new). */
async function follow(ws: BenchWorkspace, relayUrl: string, docs: readonly DocId[], register: boolean) {
  const id = ws.admin;
  const relay = new RelayClient({
    url: syncUrlOf(relayUrl),
    workspace: ws.workspace,
    device: { id: id.deviceId, publicKey: id.signPublicKey, sign: (m) => crypto.sign(m, id.signSecretKey.expose()) },
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    clientName: 'bench',
    ...(register ? { register: { admins: [id.signPublicKey] } } : {}),
  });
  const syncs: DocSync[] = [];
  for (const doc of docs) {
    const cipher = createDocCipher({ crypto, identity: id, doc, scope: Scope.Chats, keys: () => ws.keys.get(Scope.Chats)!, directory: ws.directory, localKey: crypto.randomBytes(32) });
    const sync = await DocSync.open({ doc, ydoc: new Y.Doc({ gc: true }), cipher, store: new MemoryDocStore(), counters: createCounterTracker() });
    if (register) sync.ydoc.getText('t').insert(0, 'hello');
    relay.add(sync);
    syncs.push(sync);
  }
  relay.connect();
  await relay.whenOpen(60_000);
  await Promise.all(syncs.map((s) => s.whenSynced(600_000)));
  return {
    async close() {
      for (const s of syncs) await s.close();
      relay.destroy();
    },
  };
}

console.log(`subscription memory: one device following ${DOCS} documents on one connection, then on a second`);
await waitForQuiet(WAIT_QUIET * 1000);
console.log(machineNote());
const dataDir = mkdtempSync(join(tmpdir(), 'bench-subs-'));
const spec: ServerSpec = { kind: 'tendril', dataDir };
const server = await startChild<ServerReady>(libPath('server-child.ts'), [JSON.stringify(spec)], { nodeArgs: ['--expose-gc'] });
try {
  const ws = createBenchWorkspace(crypto);
  const docs = Array.from({ length: DOCS }, () => newDocId());
  const idle = await follow(ws, server.ready.url, [], true);
  const base = await server.usage(true);
  const first = await follow(ws, server.ready.url, docs, false);
  const one = await server.usage(true);
  const second = await follow(ws, server.ready.url, docs, false);
  const two = await server.usage(true);
  await Promise.all([idle.close(), first.close(), second.close()]);
  const per = (a: Usage, b: Usage): string => fmtBytes((b.heapUsed - a.heapUsed) / DOCS);
  printTable('Relay heap per followed document (after a full GC)', ['step', 'heap used', 'per document'], [
    ['one connection, no document', fmtBytes(base.heapUsed), ''],
    [`+ ${DOCS} documents registered and followed`, fmtBytes(one.heapUsed), per(base, one)],
    [`+ a second connection following the same ${DOCS}`, fmtBytes(two.heapUsed), per(one, two)],
  ]);
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
const warning = contentionWarning();
if (warning) console.log(warning);
