/**
 * Terminal sessions through the real relay and a real gateway process: a
 * writer runs `echo` of a canary, a second device sees it, a viewer-role
 * device's input is refused, a member that rewrites the session's owner in
 * the document and lists itself cannot type (the gateway keeps the owner it
 * verified), a revoked owner and a revoked writer cannot type even while the
 * relay still lets them in, a device whose clock was set back still types and
 * a refused device is told, the relay's data holds no canary, and a viewer
 * that restarts while the gateway is away sees the screen from the snapshot
 * kept in the session document.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliOk, eventually, relayFixture, ROOT } from './harness.ts';
import { makeWorkspace, type Workspace } from './peers.ts';

function startGateway(home: string): { child: ChildProcess; ready: Promise<void>; log: () => string } {
  const child = spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), 'gateway', '--home', home, '--name', 'gw', '--no-tmux', '--shell', '/bin/sh', '--snapshot-every', '1'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PS1: '$ ' },
  });
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(' running')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`gateway exited ${code}: ${out}`)));
  });
  return { child, ready, log: () => out };
}

describe('terminal sessions through a gateway', () => {
  const env = relayFixture('gateway', { beforeAll, afterAll });
  let ws: Workspace;
  let gw: ReturnType<typeof startGateway>;
  let viewerHome: string;
  let session: string;

  beforeAll(async () => {
    ws = await makeWorkspace(env.dir, env.relay.url, 1);
    const link = (await cliOk('invite', '--home', ws.homes[0]!, '--role', 'gateway')).last;
    await cliOk('join', '--home', join(env.dir, 'gw'), link, '--name', 'gw');
    gw = startGateway(join(env.dir, 'gw'));
    await gw.ready;
    viewerHome = join(env.dir, 'viewer');
    await cliOk('join', '--home', viewerHome, (await cliOk('invite', '--home', ws.homes[0]!, '--role', 'viewer')).last);
    session = (await cliOk('term', 'new', '--home', ws.homes[0]!, '--gateway', 'gw')).last;
  }, 120_000);
  afterAll(() => {
    gw?.child.kill('SIGKILL');
  });

  it('runs a writer command that a second device sees', async () => {
    await cliOk('term', 'send', '--home', ws.homes[0]!, session, 'echo canary-$((6*7))-term\\n');
    const shown = await cliOk('term', 'show', '--home', ws.homes[1]!, session, '--wait-for', 'canary-42-term', '--timeout', '15');
    expect(shown.out.some((l) => l.trim() === 'canary-42-term')).toBe(true);
  });

  it('refuses input from a viewer and from a device that is not a writer', async () => {
    await cliOk('term', 'send', '--home', viewerHome, session, 'echo viewer-$((1+1))-typed\\n');
    await cliOk('term', 'send', '--home', ws.homes[1]!, session, 'echo device-$((2+2))-typed\\n');
    await cliOk('term', 'send', '--home', ws.homes[0]!, session, 'echo owner-$((3+3))-typed\\n');
    const shown = await cliOk('term', 'show', '--home', ws.homes[0]!, session, '--wait-for', 'owner-6-typed', '--timeout', '15');
    const screen = shown.out.join('\n');
    expect(screen).not.toContain('viewer-2-typed');
    expect(screen).not.toContain('device-4-typed');
    expect(gw.log()).toMatch(/input dropped \(not-writer\)/);
  });

  it("refuses a member that rewrites the session's owner and lists itself, and the real owner still types", async () => {
    const { terminalDoc } = await import('@tendril/crdt-schema/schema');
    const { signWriter, ViewerCore } = await import('@tendril/gateway');
    const { RecordingScreen } = await import('./viewer-audit.ts');
    const intruder = await ws.open(1);
    await intruder.syncOrQueue(10_000);
    const me = intruder.home.identity.deviceId;
    const entry = intruder.workspace().sessions.get(session as never)!;
    const screen = new RecordingScreen();
    const viewer = new ViewerCore({ crypto: ws.crypto, session: intruder, entry, screen, gunzip: screen.gunzip });
    await viewer.open();
    await viewer.whenLive();
    // The attack: the member (not a writer) names itself owner in the document and lists itself, signed by itself.
    const doc = terminalDoc(viewer.doc.ydoc, { origin: 'local' });
    doc.setOwner(me, new Uint8Array(64));
    doc.writers.add(me, me, signWriter(ws.crypto, intruder.home.identity, entry.id, me));
    await intruder.syncOrQueue(10_000);
    await eventually(() => {
      viewer.send('echo intruder-$((7*7))-ran\r');
      return gw.log().includes(`session ${session}: input dropped (not-writer) from ${me}`);
    }, 15_000, 'the gateway to refuse the intruder');
    // Devices are not fooled either: the gateway wrote the real owner back with its proof.
    await eventually(() => viewer.canWrite(terminalDoc(viewer.doc.ydoc).info()!.owner) && !viewer.canWrite(me), 15_000, 'the real owner back in the document');
    viewer.close();
    await intruder.close();
    await cliOk('term', 'send', '--home', ws.homes[0]!, session, 'echo owner-$((9*9))-after\\n');
    const shown = (await cliOk('term', 'show', '--home', ws.homes[0]!, session, '--wait-for', 'owner-81-after', '--timeout', '15')).out.join('\n');
    expect(shown).not.toContain('intruder-49-ran');
    expect(gw.log()).not.toContain(`input dropped (not-writer) from ${entry.requestedBy}`);
  });

  it('types for a device whose clock was set back, and tells a device whose input is refused', async () => {
    const { encodeTerm, signInput, TermTag, ViewerCore } = await import('@tendril/gateway');
    const { RecordingScreen } = await import('./viewer-audit.ts');
    const owner = await ws.open(0);
    await owner.syncOrQueue(10_000);
    const entry = owner.workspace().sessions.get(session as never)!;
    const screen = new RecordingScreen();
    const before = new ViewerCore({ crypto: ws.crypto, session: owner, entry, screen, gunzip: screen.gunzip });
    await before.open();
    await before.whenLive();
    // Typed while the device's clock ran an hour ahead (as a clock-seeded counter would carry it); the clock is then set back.
    const ahead = (Date.now() + 3_600_000) * 1000;
    const data = new TextEncoder().encode('echo clock-$((2*21))-ahead\r');
    before.doc.sendStream(encodeTerm({ t: TermTag.Input, counter: ahead, data, signature: signInput(ws.crypto, owner.home.identity, entry.id, ahead, data) }), entry.gateway);
    await eventually(async () => (await screen.text()).includes('clock-42-ahead'), 15_000, 'the input typed with the clock ahead');
    before.close();
    const after = new ViewerCore({ crypto: ws.crypto, session: owner, entry, screen, gunzip: screen.gunzip });
    await after.open();
    await after.whenLive();
    after.send('echo clock-$((3*21))-back\r');
    await eventually(async () => (await screen.text()).includes('clock-63-back'), 15_000, 'the input typed after the clock was set back');
    after.close();
    await owner.close();

    const outsider = await ws.open(1);
    await outsider.syncOrQueue(10_000);
    const notices: { reason: string; message: string }[] = [];
    const refused = new ViewerCore({ crypto: ws.crypto, session: outsider, entry, screen: new RecordingScreen(), gunzip: screen.gunzip, onNotice: (n) => notices.push(n) });
    await refused.open();
    await refused.whenLive();
    refused.send('echo outsider\r');
    await eventually(() => notices.length > 0, 15_000, 'the refusal to reach the viewer');
    expect(notices[0]).toMatchObject({ reason: 'not-writer', message: expect.stringContaining('may not type') });
    refused.close();
    await outsider.close();
  });

  it("refuses a revoked writer's and a revoked owner's input, even while the relay still lets the device in", async () => {
    const { signRevocation } = await import('@tendril/crdt-schema/workspace');
    const { ViewerCore } = await import('@tendril/gateway');
    const { RecordingScreen } = await import('./viewer-audit.ts');
    const revHome = join(env.dir, 'revokee');
    await cliOk('join', '--home', revHome, (await cliOk('invite', '--home', ws.homes[0]!)).last, '--name', 'revokee');
    // The device owns a session of its own and is listed as a writer on the admin's.
    const own = (await cliOk('term', 'new', '--home', revHome, '--gateway', 'gw')).last;
    const { openHome } = await import('../src/home/device-home.ts');
    const { openNodeSession } = await import('../src/peer/node-peer.ts');
    const rev = await openNodeSession(ws.crypto, openHome(ws.crypto, revHome), { clientName: 'revokee' });
    await rev.syncOrQueue(10_000);
    const device = rev.home.identity.deviceId;
    // (Before the admin's session opens: an open session holds its home, and the CLI waits for it.)
    await cliOk('term', 'writers', '--home', ws.homes[0]!, session, '--add', device);
    const admin = await ws.open(0);
    await admin.syncOrQueue(10_000);
    await rev.syncOrQueue(10_000);
    const viewers = [session, own].map((id) => {
      const entry = rev.workspace().sessions.get(id as never)!;
      const screen = new RecordingScreen();
      return { id, screen, core: new ViewerCore({ crypto: ws.crypto, session: rev, entry, screen, gunzip: screen.gunzip }) };
    });
    for (const v of viewers) {
      await v.core.open();
      await v.core.whenLive();
      v.core.send(`echo before-$((${v.id === own ? 1 : 2}*50))\r`);
    }
    await eventually(async () => (await viewers[0]!.screen.text()).includes('before-100') && (await viewers[1]!.screen.text()).includes('before-50'), 15_000, 'the device to type before it is revoked');

    // The admin records the revocation in the index; the relay is not told (a relay that lags, or keeps
    // letting the device in), so only the gateway's own check stands between the device and the shells.
    const epoch = Math.max(...[...admin.home.keys.values()].map((k) => k.current)) + 1;
    const cert = signRevocation(ws.crypto, { workspace: admin.home.config.workspace, device, epoch, admin: admin.home.identity.deviceId }, admin.home.identity);
    admin.workspace().members.revoke(device, { by: admin.home.identity.deviceId, epoch, cert });
    await admin.syncOrQueue(10_000);
    await eventually(() => {
      for (const v of viewers) v.core.send(`echo after-$((${v.id === own ? 3 : 4}*50))\r`);
      return [session, own].every((id) => gw.log().includes(`session ${id}: input dropped (revoked) from ${device}`));
    }, 20_000, 'the gateway to refuse the revoked device as owner and as writer');
    for (const v of viewers) v.core.close();
    await rev.close();
    await admin.close();
    await cliOk('term', 'send', '--home', ws.homes[0]!, session, 'echo admin-$((5*50))-typed\\n');
    const shown = (await cliOk('term', 'show', '--home', ws.homes[0]!, session, '--wait-for', 'admin-250-typed', '--timeout', '15')).out.join('\n');
    expect(shown).not.toContain('after-200');
    const owned = (await cliOk('term', 'show', '--home', ws.homes[0]!, own, '--timeout', '10')).out.join('\n');
    expect(owned).toContain('before-50');
    expect(owned).not.toContain('after-150');
  });

  it('keeps no canary in the relay data', () => {
    const dir = join(env.dir, 'relay');
    for (const f of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, f));
      for (const needle of ['canary-42-term', 'echo canary', 'owner-6-typed']) expect(bytes.includes(Buffer.from(needle)), `${f} holds ${needle}`).toBe(false);
    }
  });

  it('restores the screen from the stored snapshot for a viewer that restarts while the gateway is away', async () => {
    // Snapshots land in the session document every second with new output; wait for one that has it.
    const { openNodeSession } = await import('../src/peer/node-peer.ts');
    const { openHome } = await import('../src/home/device-home.ts');
    const { terminalDoc } = await import('@tendril/crdt-schema/schema');
    const { decodeSnapshot, snapshotBytes } = await import('@tendril/gateway');
    const peer = await openNodeSession(ws.crypto, openHome(ws.crypto, ws.homes[1]!), { clientName: 'test' });
    await peer.syncOrQueue(10_000);
    const entry = peer.workspace().sessions.get(session as never)!;
    const sync = await peer.peer.openDoc({ doc: entry.docId, scope: 'terminal-session' });
    await eventually(() => {
      const latest = terminalDoc(sync.ydoc).snapshots.latest();
      return latest !== undefined && new TextDecoder().decode(snapshotBytes(decodeSnapshot(latest.bytes))).includes('owner-6-typed');
    }, 20_000, 'a stored snapshot with the output');
    await peer.close();
    gw.child.kill('SIGKILL');
    const late = await cliOk('term', 'show', '--home', ws.homes[1]!, session, '--timeout', '10');
    expect(late.out.join('\n')).toContain('owner-6-typed');
  });
});
