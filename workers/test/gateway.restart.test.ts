/**
 * Replay state survives a gateway restart: a writer's signed input frame,
 * captured as the relay saw it, is sent again after the `tendril gateway`
 * process was killed and started again, and again after a normal stop and
 * start (SIGTERM: shells detached, which looks like an end to the session
 * manager); its shell is kept alive by tmux. The gateway drops and logs it as
 * a replay, the shell does not run it twice, and fresh input from the same
 * writer still types. A captured file upload sent again after a restart is
 * refused too, so a file is not rolled back. A session that really ends keeps
 * its counters, and its id is never started again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionId } from '@tendril/crdt-schema/ids';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { decodeTerm, detectTmux, encodeTerm, runCommand, signInput, TermTag, tmuxSocketName, ViewerCore, type TermMessage } from '@tendril/gateway';
import { cliOk, eventually, relayFixture, ROOT } from './harness.ts';
import { makeWorkspace, type Workspace } from './peers.ts';
import { InputCounterDb } from '../src/home/input-counter-db.ts';
import { RecordingScreen } from './viewer-audit.ts';

const hasTmux = (await detectTmux(runCommand)) !== null;

interface GatewayProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  /** Kills the process (a crash: nothing is flushed, shells stay in tmux); resolves once it exited. */
  crash(): Promise<void>;
  /** Stops it the normal way (SIGTERM: shells are detached and kept in tmux); resolves once it exited. */
  stop(): Promise<void>;
}

function startGateway(home: string, log: { text: string }, cwd: string): GatewayProcess {
  const child = spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), 'gateway', '--home', home, '--name', 'gw', '--shell', '/bin/sh', '--cwd', cwd], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PS1: '$ ', TMUX: '' },
  });
  child.stderr!.on('data', (d: Buffer) => (log.text += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(' running')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`gateway exited ${code}: ${out}${log.text}`)));
  });
  ready.catch(() => undefined);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, ready, crash: () => (child.kill('SIGKILL'), exited), stop: () => (child.kill('SIGTERM'), exited) };
}

describe.skipIf(!hasTmux)('input counters across a gateway restart', () => {
  const env = relayFixture('restart', { beforeAll, afterAll });
  const log = { text: '' };
  let ws: Workspace;
  let gw: GatewayProcess;
  let writer: WorkspaceSession;
  let id: SessionId;
  let gatewayDevice = '';
  const work = () => join(env.dir, 'work');

  beforeAll(async () => {
    ws = await makeWorkspace(env.dir, env.relay.url, 0);
    mkdirSync(work());
    await cliOk('join', '--home', join(env.dir, 'gw'), (await cliOk('invite', '--home', ws.homes[0]!, '--role', 'gateway')).last, '--name', 'gw');
    gw = startGateway(join(env.dir, 'gw'), log, work());
    await gw.ready;
    id = (await cliOk('term', 'new', '--home', ws.homes[0]!, '--gateway', 'gw')).last as SessionId;
    writer = await ws.open(0);
    await writer.syncOrQueue(15_000);
  }, 120_000);

  afterAll(async () => {
    await writer?.close();
    gw?.child.kill('SIGKILL');
    if (gatewayDevice) await runCommand('tmux', ['-L', tmuxSocketName(gatewayDevice.slice(0, 12)), 'kill-server']);
  });

  it('drops a captured input frame replayed after the restart and still types fresh input', async () => {
    const entry = writer.workspace().sessions.get(id)!;
    gatewayDevice = entry.gateway;
    const screen = new RecordingScreen();
    const viewer = new ViewerCore({ crypto: ws.crypto, session: writer, entry, screen, gunzip: screen.gunzip });
    await viewer.open();
    // tmux starts the shell with its own environment: the prompt is sh's default, `$ ` or `# `.
    await eventually(async () => /[$#] ?$/m.test(await screen.text()), 15_000, 'the prompt');

    // The frame as the writer signs it and the relay forwards it; a relay can keep it and send it again.
    // Each time the shell runs it, it adds a line to a file: the count is what proves it ran once.
    const typed = join(env.dir, 'typed.log');
    const data = new TextEncoder().encode(`echo typed >> ${typed}\r`);
    const counter = Date.now() * 1000;
    const captured = encodeTerm({ t: TermTag.Input, counter, data, signature: signInput(ws.crypto, writer.home.identity, id, counter, data) });
    viewer.doc.sendStream(captured, entry.gateway);
    await eventually(() => existsSync(typed) && readFileSync(typed, 'utf8') === 'typed\n', 15_000, 'the captured input to run');
    viewer.close();

    await gw.crash();
    expect(log.text).not.toMatch(/input dropped \(replay\)/);
    gw = startGateway(join(env.dir, 'gw'), log, work());
    await gw.ready;
    await eventually(() => log.text.includes(`session ${id}: re-attached after restart`), 15_000, 'the session to be re-attached');

    // Sent until the restarted gateway hears it (it may not have rejoined the session document yet).
    await eventually(() => {
      viewer.doc.sendStream(captured, entry.gateway);
      return /input dropped \(replay\)/.test(log.text);
    }, 15_000, 'the gateway to drop the replayed frame');
    expect(log.text).toContain(`session ${id}: input dropped (replay) from ${writer.home.identity.deviceId}`);

    const freshScreen = new RecordingScreen();
    const fresh = new ViewerCore({ crypto: ws.crypto, session: writer, entry, screen: freshScreen, gunzip: screen.gunzip });
    await fresh.open();
    fresh.send('echo fresh-$((40+2))\r');
    // Input runs in the order it arrives, so once the fresh command ran, the replayed one was dealt with too.
    // (Read through this viewer: the writer's open session holds its home, so the CLI cannot use it now.)
    const lines = async (): Promise<string[]> => (await freshScreen.text()).split('\n');
    await eventually(async () => (await lines()).some((l) => l.trim() === 'fresh-42'), 15_000, 'the fresh command output');
    const shown = await lines();
    fresh.close();
    expect(shown.filter((l) => l.trim() === 'fresh-42')).toHaveLength(1);
    expect(readFileSync(typed, 'utf8')).toBe('typed\n');
  });

  it('keeps the session running through a normal stop and start (detached, not ended), and its counters with it', async () => {
    const reattached = () => log.text.split(`session ${id}: re-attached after restart`).length - 1;
    const before = reattached();
    const replays = () => log.text.split(`session ${id}: input dropped (replay) from ${writer.home.identity.deviceId}`).length - 1;
    const entryNow = writer.workspace().sessions.get(id)!;
    const viewer = new ViewerCore({ crypto: ws.crypto, session: writer, entry: entryNow, screen: new RecordingScreen(), gunzip: new RecordingScreen().gunzip });
    await viewer.open();
    await viewer.whenLive();
    const typed = join(env.dir, 'graceful.log');
    const data = new TextEncoder().encode(`echo graceful >> ${typed}\r`);
    const counter = Date.now() * 1000 + 1;
    const captured = encodeTerm({ t: TermTag.Input, counter, data, signature: signInput(ws.crypto, writer.home.identity, id, counter, data) });
    viewer.doc.sendStream(captured, entryNow.gateway);
    await eventually(() => existsSync(typed) && readFileSync(typed, 'utf8') === 'graceful\n', 15_000, 'the captured input to run');
    const replaysBefore = replays();
    await gw.stop();
    const entry = async () => {
      await writer.syncOrQueue(10_000);
      return writer.workspace().sessions.get(id);
    };
    expect((await entry())?.state).not.toBe('ended');
    gw = startGateway(join(env.dir, 'gw'), log, work());
    await gw.ready;
    await eventually(() => reattached() === before + 1, 15_000, 'the session to be re-attached again');
    await eventually(() => {
      viewer.doc.sendStream(captured, entryNow.gateway);
      return replays() > replaysBefore;
    }, 15_000, 'the gateway to drop the frame replayed after a normal restart');
    viewer.close();
    const screen = new RecordingScreen();
    const after = new ViewerCore({ crypto: ws.crypto, session: writer, entry: entryNow, screen, gunzip: screen.gunzip });
    await after.open();
    await after.whenLive();
    after.send('echo after-stop-$((5*5))\r');
    await eventually(async () => (await screen.text()).split('\n').some((l) => l.trim() === 'after-stop-25'), 15_000, 'input typed after the normal restart');
    after.close();
    expect(readFileSync(typed, 'utf8')).toBe('graceful\n');
  });

  it('refuses a captured file upload sent again after a restart, so the file is not rolled back', async () => {
    const entry = writer.workspace().sessions.get(id)!;
    const screen = new RecordingScreen();
    const viewer = new ViewerCore({ crypto: ws.crypto, session: writer, entry, screen, gunzip: screen.gunzip });
    await viewer.open();
    await viewer.whenLive();
    // What the writer sends for an upload, as the relay sees it: kept for later.
    const captured: Uint8Array[] = [];
    const send = viewer.doc.sendStream.bind(viewer.doc);
    viewer.doc.sendStream = (payload, to) => {
      captured.push(payload instanceof Uint8Array ? payload : Buffer.concat(payload));
      return send(payload, to);
    };
    await viewer.files.upload('state.txt', new TextEncoder().encode('old'), { overwrite: true });
    viewer.doc.sendStream = send;
    await viewer.files.upload('state.txt', new TextEncoder().encode('new'), { overwrite: true });
    expect(readFileSync(join(work(), 'state.txt'), 'utf8')).toBe('new');
    viewer.close();

    await gw.crash();
    gw = startGateway(join(env.dir, 'gw'), log, work());
    await gw.ready;
    const offer = captured.find((p) => decodeTerm(p)?.t === TermTag.FileOffer)!;
    const offerId = (decodeTerm(offer) as Extract<TermMessage, { t: typeof TermTag.FileOffer }>).id;
    const chunks = captured.filter((p) => decodeTerm(p)?.t === TermTag.FileChunk);
    // The gateway's answers to the replayed transfer: an accept (then the chunks follow) or a refusal.
    const answers: TermMessage[] = [];
    const listen = (_from: string, payload: Uint8Array) => {
      const m = decodeTerm(payload);
      if ((m?.t === TermTag.FileAccept || m?.t === TermTag.FileDone) && m.id === offerId) answers.push(m);
    };
    viewer.doc.on('stream', listen);
    let sentAt = 0;
    // Sent until the restarted gateway answers (it may not have rejoined the session document yet).
    await eventually(() => {
      if (answers.length === 0 && Date.now() - sentAt > 500) {
        sentAt = Date.now();
        send(offer, entry.gateway);
      }
      return answers.length > 0;
    }, 20_000, 'the restarted gateway to answer the replayed upload');
    if (answers[0]!.t === TermTag.FileAccept) for (const c of chunks) send(c, entry.gateway);
    await eventually(() => answers.some((m) => m.t === TermTag.FileDone), 15_000, 'the replayed upload to end');
    viewer.doc.off('stream', listen);
    expect(answers[0]).toMatchObject({ t: TermTag.FileDone, ok: false, message: 'E_REPLAY: this transfer id was used before' });
    expect(readFileSync(join(work(), 'state.txt'), 'utf8')).toBe('new');
  });

  it('keeps the counters of a session that really ended, and never starts that session id again', async () => {
    const entry = writer.workspace().sessions.get(id)!;
    const viewer = new ViewerCore({ crypto: ws.crypto, session: writer, entry, screen: new RecordingScreen(), gunzip: new RecordingScreen().gunzip });
    await viewer.open();
    await viewer.whenLive();
    viewer.send('exit\r');
    await eventually(async () => {
      await writer.syncOrQueue(5_000);
      return writer.workspace().sessions.get(id)?.state === 'ended';
    }, 20_000, 'the session to end');
    viewer.close();
    const counters = new InputCounterDb(join(env.dir, 'gw', 'input-counters.sqlite'));
    const kept = counters.load(id);
    counters.close();
    expect(kept.get(writer.home.identity.deviceId)).toBeGreaterThan(0);
    // A member puts the ended session back to `requested`: a new shell under the old id would take old frames.
    writer.workspace().sessions.setState(id, 'requested');
    await writer.syncOrQueue(10_000);
    await eventually(() => log.text.includes(`session ${id}: not started (E_REPLAY: this session was started before)`), 15_000, 'the gateway to refuse the old session id');
    await eventually(async () => {
      await writer.syncOrQueue(5_000);
      return writer.workspace().sessions.get(id)?.state === 'ended';
    }, 15_000, 'the session to stay ended');
  });
});
