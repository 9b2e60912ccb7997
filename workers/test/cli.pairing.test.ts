/**
 * Confirmed pairing through the CLI and the real relay: `tendril invite
 * --confirm` prints the link, waits for the joiner's request and asks about
 * the code both commands print; a confirmed device joins, a wrong code is
 * rejected on both sides and releases nothing, and a second device with a
 * used link is told so.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.ts';
import { cli, cliOk, ROOT, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';

/** A CLI run whose output can be awaited line by line while it runs. */
function running(argv: string[], ask?: (question: string) => Promise<string | null>) {
  const out: string[] = [];
  const err: string[] = [];
  const waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  const push = (l: string): void => {
    out.push(l);
    for (const w of [...waiters]) {
      const m = w.re.exec(l);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  const done = runCli({ argv, env: {}, io: { out: push, err: (l) => err.push(l), ...(ask ? { ask } : {}) }, now: () => Date.now(), cwd: ROOT, stopSignal: new Promise(() => {}) });
  return {
    out,
    err,
    done,
    line: (re: RegExp): Promise<RegExpExecArray> =>
      new Promise((resolve) => {
        const hit = out.map((l) => re.exec(l)).find((m) => m !== null);
        if (hit) resolve(hit);
        else waiters.push({ re, resolve });
      }),
  };
}

const LINK = /^(http:\/\/\S+#\/join\/\S+)$/;

describe('tendril invite --confirm', { timeout: 60_000 }, () => {
  const dir = tempDir('pairing');
  let relay: RelayProcess;
  const a = join(dir.path, 'a');

  beforeAll(async () => {
    relay = await startRelayProcess(join(dir.path, 'relay'));
    await cliOk('init', '--home', a, '--relay', relay.url, '--name', 'alice');
  });
  afterAll(async () => {
    await relay?.kill();
    dir.remove();
  });

  it('asks about the code the joiner prints, and releases the keys on yes', async () => {
    let joinerCode: Promise<RegExpExecArray> | null = null;
    let asked = '';
    const inviter = running(['invite', '--home', a, '--confirm'], async (q) => {
      asked = q;
      const [, code] = await joinerCode!;
      return q.replace(/\s/g, '').includes(code!) ? 'y' : 'n';
    });
    const [, link] = await inviter.line(LINK);
    const joiner = running(['join', '--home', join(dir.path, 'b'), link!, '--name', 'bob']);
    joinerCode = joiner.line(/^pairing code (\d{6}): confirm it on the inviting device$/);
    expect(await joiner.done, joiner.err.join('\n')).toBe(0);
    expect(await inviter.done, inviter.err.join('\n')).toBe(0);
    const [, code] = await joinerCode;
    expect(asked.replace(/\s/g, '')).toContain(code);
    expect(inviter.out.at(-1)).toMatch(/^confirmed [A-Za-z0-9_-]{43}$/);
    expect(inviter.out).toContain(`pairing code ${code} from device ${inviter.out.at(-1)!.slice('confirmed '.length)}`);
    expect(joiner.out.at(-1)).toMatch(/^joined workspace \S+ as device [A-Za-z0-9_-]{43}$/);
    expect((await cliOk('devices', 'list', '--home', a)).out.join('\n')).toMatch(/device +bob/);

    // The link is spent: another device learns that at once.
    const again = await cli('join', '--home', join(dir.path, 'c'), link!);
    expect(again.err.join('\n')).toMatch(/E_INVITE_USED/);
  });

  it('rejects a device whose code does not match: both sides fail and no keys are released', async () => {
    const before = (await cliOk('devices', 'list', '--home', a)).out;
    const inviter = running(['invite', '--home', a, '--yes-code', '000 000']);
    const [, link] = await inviter.line(LINK);
    const joiner = running(['join', '--home', join(dir.path, 'd'), link!]);
    const [, code] = await joiner.line(/^pairing code (\d{6})/);
    expect(await inviter.done).toBe(1);
    expect(inviter.err.join('\n')).toMatch(/E_PAIRING_REJECTED/);
    expect(await joiner.done).toBe(1);
    expect(joiner.err.join('\n')).toMatch(/E_PAIRING_REJECTED/);
    expect(code).not.toBe('000000');
    expect((await cliOk('devices', 'list', '--home', a)).out).toEqual(before);
  });

  it('keeps the plain invite offline-capable: its last line is the link and no confirmation is asked', async () => {
    const plain = await cliOk('invite', '--home', a);
    expect(plain.last).toMatch(LINK);
    const joined = await cliOk('join', '--home', join(dir.path, 'e'), plain.last, '--name', 'eve');
    expect(joined.out.some((l) => l.includes('confirm it on the inviting device'))).toBe(false);
    expect(joined.last).toMatch(/^joined workspace /);
  });

  it('enrolls a confirmed viewer itself, so the viewer is listed and keeps reading after a rotation', async () => {
    const chat = (await cliOk('chat', 'new', '--home', a, '--title', 'news')).last;
    const inviter = running(['invite', '--home', a, '--role', 'viewer', '--confirm'], async () => 'y');
    const [, link] = await inviter.line(LINK);
    const viewerHome = join(dir.path, 'viewer');
    const joiner = running(['join', '--home', viewerHome, link!, '--name', 'tv']);
    expect(await joiner.done, joiner.err.join('\n')).toBe(0);
    expect(await inviter.done, inviter.err.join('\n')).toBe(0);
    const viewerId = inviter.out.at(-1)!.slice('confirmed '.length);
    const listed = (await cliOk('devices', 'list', '--home', a)).out.join('\n');
    expect(listed).toMatch(new RegExp(`${viewerId} +viewer +tv`));
    // Another device is revoked: keys rotate, and the viewer, now a member, gets the new epoch.
    const other = join(dir.path, 'to-revoke');
    await cliOk('join', '--home', other, (await cliOk('invite', '--home', a)).last, '--name', 'old-phone');
    const otherId = (await cliOk('devices', 'list', '--home', a)).out.find((l) => l.includes('old-phone'))!.split(/\s+/)[0]!;
    await cliOk('devices', 'revoke', '--home', a, otherId);
    await cliOk('chat', 'send', '--home', a, chat, 'written after the rotation');
    const shown = await cliOk('chat', 'show', '--home', viewerHome, chat, '--wait-for', 'written after the rotation', '--timeout', '20');
    expect(shown.out.join('\n')).toContain('written after the rotation');
  });
});
