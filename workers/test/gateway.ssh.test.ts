/**
 * SSH keys on a gateway's host through the real relay and a gateway process
 * with `--authorized-keys` on a temp file: an admin's `ssh add` writes
 * exactly one line and `ssh revoke` takes exactly it out again; support
 * access granted for 2 s is gone after it expires, also when the gateway was
 * down at that moment (the check on start removes it); a request from a
 * device that is not an admin is refused, and the refusal is in the
 * gateway's log and its activity log.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519Line } from '../../gateway/src/host/test-keys.ts';
import { cli, cliOk, eventually, relayFixture } from './harness.ts';
import { makeWorkspace, type Workspace } from './peers.ts';
import { startTendril, type TendrilProcess } from './processes.ts';

describe('SSH keys on the gateway host', () => {
  const env = relayFixture('gw-ssh', { beforeAll, afterAll });
  let ws: Workspace;
  let gateway: TendrilProcess;
  let keysFile = '';
  const userFile = `# the user's own keys\n${ed25519Line('me@laptop')}\nfrom="10.0.0.0/8" ${ed25519Line('backup')}\n`;
  const supportKey = ed25519Line('vendor-support');
  const admin = () => ws.homes[0]!;
  const device = () => ws.homes[1]!;
  const gwArgs = (sweepMs: number) => [
    'gateway', '--home', join(env.dir, 'gw'), '--name', 'gw', '--no-tmux', '--shell', '/bin/sh', '--cwd', env.dir,
    '--authorized-keys', keysFile, '--support-key', supportKey, '--ssh-sweep-ms', String(sweepMs),
  ];
  const fileText = () => readFileSync(keysFile, 'latin1');

  beforeAll(async () => {
    ws = await makeWorkspace(env.dir, env.relay.url, 1);
    keysFile = join(env.dir, 'authorized_keys');
    writeFileSync(keysFile, userFile, { mode: 0o600 });
    await cliOk('join', '--home', join(env.dir, 'gw'), (await cliOk('invite', '--home', admin(), '--role', 'gateway')).last, '--name', 'gw');
    gateway = startTendril(gwArgs(200), ' running');
    await gateway.ready;
  }, 120_000);

  afterAll(() => gateway?.kill());

  it('adds exactly one line for an admin, lists it, and revoking removes exactly it', async () => {
    const key = ed25519Line('will-be-dropped');
    const added = await cliOk('ssh', 'add', '--home', admin(), '--gateway', 'gw', '--key', key, '--label', 'ci runner', '--expires', '7d');
    const id = /^added (\S+)$/.exec(added.last)?.[1];
    expect(id).toBeDefined();
    const text = fileText();
    expect(text.startsWith(userFile)).toBe(true);
    const extra = text.slice(userFile.length).split('\n');
    expect(extra).toHaveLength(2);
    expect(extra[1]).toBe('');
    expect(extra[0]).toContain(key.split(' ')[1]);
    expect(extra[0]).toMatch(new RegExp(` ci runner tendril:${id}:\\d+:key$`));
    expect(extra[0]).not.toContain('will-be-dropped');
    const listed = await cliOk('ssh', 'list', '--home', admin(), '--gateway', 'gw');
    expect(listed.out.some((l) => l.startsWith(`${id}  ssh-ed25519  SHA256:`) && l.includes('ci runner'))).toBe(true);
    expect((await cliOk('ssh', 'revoke', '--home', admin(), '--gateway', 'gw', id!)).last).toBe(`revoked ${id}`);
    expect(fileText()).toBe(userFile);
    const log = (await cliOk('ssh', 'log', '--home', admin(), '--gateway', 'gw')).out.join('\n');
    expect(log).toMatch(/ add {2}allowed .*key \S+ \(ci runner/);
    expect(log).toMatch(/ revoke {2}allowed .*revoked/);
  }, 60_000);

  it('refuses an options line before it reaches the file', async () => {
    const r = await cli('ssh', 'add', '--home', admin(), '--gateway', 'gw', '--key', `command="/bin/sh" ${ed25519Line()}`, '--label', 'x');
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toMatch(/options such as command=.*\[E_BAD_INPUT\]/);
    expect(fileText()).toBe(userFile);
  }, 60_000);

  it('refuses a device that is not an admin, and logs it', async () => {
    const r = await cli('ssh', 'add', '--home', device(), '--gateway', 'gw', '--key', ed25519Line(), '--label', 'sneaky');
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toMatch(/only an admin .*\[E_FORBIDDEN\]/);
    expect(fileText()).toBe(userFile);
    // The gateway's stderr reaches this process on its own pipe, maybe after the CLI heard back.
    await eventually(() => /ssh: request \d+ \(add\) from \S+ refused \(E_FORBIDDEN/.test(gateway.log()), 10_000, 'the refusal in the gateway log');
    const log = (await cliOk('ssh', 'log', '--home', admin(), '--gateway', 'gw')).out.join('\n');
    expect(log).toMatch(/ add {2}denied {2}\S+ {2}E_FORBIDDEN/);
  }, 60_000);

  it('removes support access granted for 2 s once it expires', async () => {
    const granted = await cliOk('ssh', 'support', '--home', admin(), '--gateway', 'gw', '--for', '2s');
    expect(granted.last).toMatch(/^support access \S+ until \d{4}-/);
    expect(fileText()).toContain(supportKey.split(' ')[1]);
    expect(fileText()).toMatch(/^expiry-time="\d{14}Z" ssh-ed25519 \S+ vendor-support tendril:\S+:\d+:support$/m);
    await eventually(() => fileText() === userFile, 15_000, 'the support key to be removed');
    const log = (await cliOk('ssh', 'log', '--home', admin(), '--gateway', 'gw')).out.join('\n');
    expect(log).toMatch(/ expire {2}allowed {2}gateway {2}support access \(vendor-support\) expired/);
  }, 60_000);

  it('removes support access that expired while the gateway was down, when it starts again', async () => {
    const granted = await cliOk('ssh', 'support', '--home', admin(), '--gateway', 'gw', '--for', '2s');
    const until = Date.parse(/until (\S+)$/.exec(granted.last)![1]!);
    gateway.kill();
    await new Promise((r) => gateway.child.once('exit', r));
    expect(fileText()).toContain(supportKey.split(' ')[1]);
    await eventually(() => Date.now() > until + 200, 10_000, 'the grant to run out while the gateway is down');
    expect(fileText()).toContain(supportKey.split(' ')[1]);
    // A sweep that would come only after an hour: what removes the key is the check on start.
    gateway = startTendril(gwArgs(3_600_000), ' running');
    await gateway.ready;
    expect(fileText()).toBe(userFile);
    await eventually(() => /ssh: support access \(vendor-support\) expired and was removed/.test(gateway.log()), 10_000, 'the removal in the gateway log');
  }, 60_000);
});
