/**
 * Input counters survive a gateway restart: a writer's signed input frame,
 * captured as the relay saw it, is sent again after the `tendril gateway`
 * process was killed and started again (its shell kept alive by tmux). The
 * gateway drops and logs it as a replay, the shell does not run it twice, and
 * fresh input from the same writer still types.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionId } from '@tendril/crdt-schema/ids';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { detectTmux, encodeTerm, runCommand, signInput, TermTag, tmuxSocketName, ViewerCore } from '@tendril/gateway';
import { cliOk, eventually, relayFixture, ROOT } from './harness.ts';
import { makeWorkspace, type Workspace } from './peers.ts';
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

function startGateway(home: string, log: { text: string }): GatewayProcess {
  const child = spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), 'gateway', '--home', home, '--name', 'gw', '--shell', '/bin/sh'], {
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

  beforeAll(async () => {
    ws = await makeWorkspace(env.dir, env.relay.url, 0);
    await cliOk('join', '--home', join(env.dir, 'gw'), (await cliOk('invite', '--home', ws.homes[0]!, '--role', 'gateway')).last, '--name', 'gw');
    gw = startGateway(join(env.dir, 'gw'), log);
    await gw.ready;
    id = (await cliOk('term', 'new', '--home', ws.homes[0]!, '--gateway', 'gw')).last as SessionId;
    writer = await ws.open(0);
    writerOpen = true;
    await writer.syncOrQueue(15_000);
  }, 120_000);

  /** The writer's home is in use while its session is open: closed once, before the CLI uses that home. */
  let writerOpen = false;
  const releaseWriter = async (): Promise<void> => {
    if (writerOpen) await writer.close();
    writerOpen = false;
  };

  afterAll(async () => {
    await releaseWriter();
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
    gw = startGateway(join(env.dir, 'gw'), log);
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
    const lines = async (): Promise<string[]> => (await freshScreen.text()).split('\n');
    await eventually(async () => (await lines()).some((l) => l.trim() === 'fresh-42'), 15_000, 'the fresh command output');
    const shown = await lines();
    fresh.close();
    expect(shown.filter((l) => l.trim() === 'fresh-42')).toHaveLength(1);
    expect(readFileSync(typed, 'utf8')).toBe('typed\n');
  });

  it('keeps the session running through a normal stop and start (detached, not ended)', async () => {
    const reattached = () => log.text.split(`session ${id}: re-attached after restart`).length - 1;
    const before = reattached();
    await releaseWriter();
    await gw.stop();
    const entry = async () => {
      const s = await ws.open(0);
      await s.syncOrQueue(10_000);
      const e = s.workspace().sessions.get(id);
      await s.close();
      return e;
    };
    expect((await entry())?.state).not.toBe('ended');
    gw = startGateway(join(env.dir, 'gw'), log);
    await gw.ready;
    await eventually(() => reattached() === before + 1, 15_000, 'the session to be re-attached again');
    await cliOk('term', 'send', '--home', ws.homes[0]!, id, 'echo after-stop-$((5*5))\\n');
    const shown = (await cliOk('term', 'show', '--home', ws.homes[0]!, id, '--wait-for', 'after-stop-25', '--timeout', '15').catch((e) => { console.log(log.text); throw e; })).out;
    expect(shown.some((l) => l.trim() === 'after-stop-25')).toBe(true);
  });
});
