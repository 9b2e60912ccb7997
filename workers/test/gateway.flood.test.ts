/**
 * `seq 1 2000` over and over in a gateway session, until the 200 forced disconnects are done, while 200 forced disconnects hit the
 * viewers watching it through the real relay: half are network drops (a
 * proxy between viewer and relay destroys both sockets, in-flight frames
 * lost), half are the viewer redialling at once. Each viewer comes back,
 * rejoins, and catches up by replay or, when the gateway's small ring has
 * moved on, by snapshot. At the end every viewer's screen equals the
 * gateway's mirror, and every byte it drew lines up with the gateway's own
 * output stream (viewer-audit.ts): none lost, none doubled.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionId } from '@tendril/crdt-schema/ids';
import { createPrng, testSeed } from '@tendril/crdt-schema/testkit';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import {
  createPtyHost, decodeSnapshot, decodeTerm, GatewayPeer, SessionManager, TermTag, TermViewer, ViewerCore, type OutputBatch,
} from '@tendril/gateway';
import { openHome } from '../src/home/device-home.ts';
import { openNodeSession } from '../src/peer/node-peer.ts';
import { startCutProxy, type CutProxy } from './cut-proxy.ts';
import { cliOk, eventually, relayFixture } from './harness.ts';
import { makeWorkspace, type Workspace } from './peers.ts';
import { auditSegments, concat, RecordingScreen, snapshotKey } from './viewer-audit.ts';

const VIEWERS = 8;
const DISCONNECTS = 200;
/** One disconnect per this many bytes of output (a viewer whose connection is not back yet is skipped). */
const CUT_EVERY_BYTES = 6 * 1024;
/** Small enough that many rejoins find their position gone and need a snapshot. */
const RING = 64 * 1024;
/**
 * Nothing slows the shell (the mirror falls behind and rebuilds instead), so
 * the flood runs until every disconnect is done. A 4 KiB mark makes the
 * mirror rebuild often, so snapshots of rebuilt screens are among the ones
 * viewers restore.
 */
const MIRROR_HIGH_WATER = 4 * 1024;
const MIRROR_REBUILD = 16 * 1024;

interface Viewer {
  readonly session: WorkspaceSession;
  readonly proxy: CutProxy;
  readonly screen: RecordingScreen;
  readonly core: ViewerCore;
}

describe('an output flood through the relay with viewers cut off 200 times', () => {
  // 200 reconnects from one address within seconds, on purpose: more than the default new-connection
  // budget of an address (burst 200, then 10 a second) lets through.
  const env = relayFixture('flood', { beforeAll, afterAll }, ['--connect-burst-per-ip', '1000']);
  const prng = createPrng(testSeed('workers/test/gateway.flood.test.ts'));
  const output: OutputBatch[] = [];
  /** Snapshot key -> the stream offset its coverage ends at, from both ends. */
  const covers = new Map<string, number>();
  const viewers: Viewer[] = [];
  const onBatch: ((b: OutputBatch) => void)[] = [];
  let ws: Workspace;
  let gwSession: WorkspaceSession;
  let writerSession: WorkspaceSession;
  let gateway: GatewayPeer;
  let id: SessionId;

  beforeAll(async () => {
    ws = await makeWorkspace(env.dir, env.relay.url, VIEWERS);
    const gwHome = join(env.dir, 'gw');
    await cliOk('join', '--home', gwHome, (await cliOk('invite', '--home', ws.homes[0]!, '--role', 'gateway')).last, '--name', 'gw');
    gwSession = await openNodeSession(ws.crypto, openHome(ws.crypto, gwHome), { clientName: 'gateway' });
    const shellEnv: Record<string, string> = { PS1: '$ ', HISTFILE: '/dev/null' };
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !(k in shellEnv)) shellEnv[k] = v;
    gateway = new GatewayPeer({
      crypto: ws.crypto,
      session: gwSession,
      name: 'gw',
      cwd: env.dir,
      shell: '/bin/sh',
      manager: (gate) => {
        const manager = new SessionManager({
          host: createPtyHost({ spawn: (file, args, o) => pty.spawn(file, args, o), tmux: null }),
          env: shellEnv,
          shell: '/bin/sh',
          gate,
          tuning: { stream: { ringBytes: RING }, mirror: { periodic: { everyMs: 1000 }, highWaterBytes: MIRROR_HIGH_WATER, rebuildBytes: MIRROR_REBUILD } },
        });
        manager.on('started', (info) => {
          const terminal = manager.get(info.id);
          terminal.stream.on('batch', (b) => {
            output.push(b);
            for (const f of onBatch) f(b);
          });
          terminal.on('snapshot', (s) => covers.set(snapshotKey(s.gzip), s.coversOffset));
        });
        return manager;
      },
    });
    await gateway.start();
    await gwSession.syncOrQueue(15_000);
    id = (await cliOk('term', 'new', '--home', ws.homes[0]!, '--gateway', 'gw')).last as SessionId;

    for (let i = 1; i <= VIEWERS; i++) {
      const proxy = await startCutProxy(env.relay.url);
      const session = await ws.open(i, { relay: proxy.url });
      await session.syncOrQueue(15_000);
      const screen = new RecordingScreen();
      const core = new ViewerCore({ crypto: ws.crypto, session, entry: session.workspace().sessions.get(id)!, screen, gunzip: screen.gunzip });
      await core.open();
      // Snapshots answering a join, seen as the viewer sees them (the gateway sends them to one device only).
      core.doc.on('stream', (_from, payload) => {
        const m = decodeTerm(payload);
        if (m?.t !== TermTag.Snapshot) return;
        const s = decodeSnapshot(m.snapshot);
        covers.set(snapshotKey(s.gzip), s.coversOffset);
      });
      viewers.push({ session, proxy, screen, core });
    }
    writerSession = await ws.open(0);
    await writerSession.syncOrQueue(15_000);
  }, 120_000);

  afterAll(async () => {
    for (const v of viewers) v.core.close();
    await Promise.all(viewers.map((v) => v.session.close()));
    await Promise.all(viewers.map((v) => v.proxy.close()));
    await writerSession?.close();
    await gateway?.stop({ keepShells: false });
    await gwSession?.close();
  });

  it('leaves every viewer with the gateway screen and every byte exactly once', async () => {
    const writer = new TermViewer(ws.crypto, writerSession, writerSession.workspace().sessions.get(id)!);
    await writer.open();
    await writer.waitFor('$', 15_000);
    for (const v of viewers) await eventually(async () => (await v.screen.text()).includes('$'), 15_000, 'each viewer to show the prompt');

    // Disconnects are spread over the output: k are due once k x CUT_EVERY_BYTES went out; the flood stops after the last.
    const cwd = gateway.terminal(id)!.info().cwd;
    const start = output.at(-1)!.offset + output.at(-1)!.bytes.length;
    const kinds = { drop: 0, redial: 0 };
    let done = 0;
    let lastCutAt = 0;
    onBatch.push((b) => {
      const due = Math.min(DISCONNECTS, Math.floor((b.offset + b.bytes.length - start) / CUT_EVERY_BYTES));
      for (const v of prng.shuffle([...viewers])) {
        if (done >= due) return;
        if (v.session.peer.relay.state !== 'open' || v.proxy.open === 0) continue;
        if (done % 2 === 0) {
          v.proxy.cut();
          kinds.drop++;
        } else {
          v.session.peer.relay.reconnect();
          kinds.redial++;
        }
        done++;
        lastCutAt = b.offset + b.bytes.length - start;
        if (done === DISCONNECTS) writeFileSync(join(cwd, 'stop'), '');
      }
    });
    const t0 = Date.now();
    writer.send('while [ ! -e stop ]; do seq 1 2000; done; echo flood-""done\r');
    const floodDone = /^2000\nflood-done\n\$ ?$/m;
    await eventually(async () => floodDone.test(await gateway.terminal(id)!.screenText()), 60_000, 'the flood to finish on the gateway');
    const floodMs = Date.now() - t0;
    onBatch.length = 0;

    // The reference: the gateway's own batches, which must themselves run from offset 0 without a hole.
    expect(output.every((b, i) => b.seq === i && b.offset === (i === 0 ? 0 : output[i - 1]!.offset + output[i - 1]!.bytes.length))).toBe(true);
    const stream = concat(output.map((b) => b.bytes));
    const gatewayScreen = await gateway.terminal(id)!.screenText();
    expect(gatewayScreen).toMatch(/^1979\n(.*\n)*2000\nflood-done/m);
    for (const [i, v] of viewers.entries()) {
      const shows = async (): Promise<boolean> => (await v.screen.text()) === gatewayScreen;
      await eventually(shows, 30_000, `viewer ${i + 1} to show the gateway screen`).catch(async (e: Error) => {
        const last = (await v.screen.text()).split('\n').slice(-3).join(' | ');
        throw new Error(`${e.message}: it shows "${last}", relay ${v.session.peer.relay.state}; ${auditSegments(stream, v.screen.segments, covers).join('; ')}`);
      });
      expect(auditSegments(stream, v.screen.segments, covers), `viewer ${i + 1}`).toEqual([]);
    }
    const restores = viewers.reduce((n, v) => n + v.screen.segments.filter((s) => s.snapshot !== null).length, 0);
    console.log(
      `flood ${stream.length} bytes in ${output.length} batches, ${floodMs} ms; disconnects: ${kinds.drop} drops, ${kinds.redial} redials, ` +
        `the last at ${Math.round((100 * lastCutAt) / stream.length)}% of the flood; snapshot restores ${restores}; caught up ${Date.now() - t0 - floodMs} ms later`,
    );
    expect(done).toBe(DISCONNECTS);
    expect(restores).toBeGreaterThan(VIEWERS);
  });
});
