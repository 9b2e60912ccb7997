/**
 * The gateway's edits of authorized_keys: one line per added key, every other
 * byte of the file kept, only its own marked lines ever removed, mode 600,
 * and hostile key lines and labels refused before they reach the file.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthorizedKeys } from './authorized-keys.ts';
import { checkLabel, parsePublicKey } from './ssh-public-key.ts';
import { ed25519Line } from './test-keys.ts';

let dir = '';
let path = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'authkeys-'));
  path = join(dir, 'authorized_keys');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// A user's file: a comment, a CRLF line, an options line, a byte that is not UTF-8, and no final newline.
const userBytes = () => Buffer.concat([
  Buffer.from(`# my keys\r\n${ed25519Line('me@laptop')}\r\ncommand="/bin/true",no-pty ${ed25519Line('backup')}\n`),
  Buffer.from([0xff, 0xfe]),
  Buffer.from(` ${ed25519Line('odd')}`),
]);

describe('authorized_keys edits', () => {
  it('adds exactly one line and removes exactly it, keeping every other byte', async () => {
    const before = userBytes();
    writeFileSync(path, before, { mode: 0o644 });
    const keys = new AuthorizedKeys(path);
    const added = await keys.add({ key: parsePublicKey(ed25519Line()), label: 'ci runner' });
    const after = readFileSync(path);
    expect(after.subarray(0, before.length).equals(before)).toBe(true);
    const tail = after.subarray(before.length).toString('latin1');
    expect(tail.startsWith('\n')).toBe(true);
    expect(tail.slice(1).split('\n')).toEqual([expect.stringMatching(new RegExp(`^ssh-ed25519 \\S+ ci runner tendril:${added.id}:0:key$`)), '']);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await keys.list()).toEqual([added]);
    expect(await keys.removeWhere((k) => k.id === added.id)).toEqual([added]);
    expect(readFileSync(path).toString('latin1')).toBe(`${before.toString('latin1')}\n`);
    expect(await keys.list()).toEqual([]);
  });

  it('never removes a line it did not add, even one that names the same id without the full marker', async () => {
    const keys = new AuthorizedKeys(path);
    const mine = await keys.add({ key: parsePublicKey(ed25519Line()), label: 'a', expiresAt: Date.now() + 60_000 });
    const lookalike = `command="sh" ${ed25519Line('x')} tendril:${mine.id}:0:key\n`;
    writeFileSync(path, readFileSync(path, 'latin1') + lookalike, 'latin1');
    expect((await keys.list()).map((k) => k.id)).toEqual([mine.id]);
    expect(readFileSync(path, 'latin1')).toMatch(/^expiry-time="\d{14}Z" ssh-ed25519 /);
    await keys.removeWhere(() => true);
    expect(readFileSync(path, 'latin1')).toBe(lookalike);
  });

  it('creates the file (and its folder) with mode 600 when there is none, and refuses a key already in it', async () => {
    const nested = new AuthorizedKeys(join(dir, 'ssh', 'authorized_keys'));
    const line = ed25519Line();
    await nested.add({ key: parsePublicKey(line), label: 'first' });
    expect(statSync(join(dir, 'ssh', 'authorized_keys')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'ssh')).mode & 0o777).toBe(0o700);
    await expect(nested.add({ key: parsePublicKey(line), label: 'again' })).rejects.toThrow(/already/);
  });

  it('keeps mode 600 when the file had looser permissions', async () => {
    writeFileSync(path, '');
    chmodSync(path, 0o666);
    await new AuthorizedKeys(path).add({ key: parsePublicKey(ed25519Line()), label: 'x' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});

describe('key lines and labels from requests', () => {
  const good = ed25519Line('c');
  const [type, b64] = good.split(' ');
  it.each([
    ['options before the key', `command="/bin/sh" ${good}`],
    ['options after a newline', `${good}\ncommand="x" ${good}`],
    ['a carriage return', `${good}\r`],
    ['a NUL byte', `${type} ${b64}\u0000`],
    ['an unknown type', `ssh-dss ${b64}`],
    ['a blob of another type', `ssh-rsa ${b64}`],
    ['base64 that is not canonical', `${type} ${b64!.slice(0, -1)}`],
    ['characters outside base64', `${type} ${b64!.slice(0, -4)}!!!=`],
    ['no key at all', `${type}`],
  ])('refuses %s', (_why, line) => {
    expect(codeOf(() => parsePublicKey(line))).toBe('E_BAD_INPUT');
  });

  it('accepts a real key and drops its comment', () => {
    const k = parsePublicKey(good);
    expect(k).toMatchObject({ type: 'ssh-ed25519', base64: b64 });
    expect(k.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it.each(['', 'a\nb', 'x:y', 'tab\there', '-starts-with-dash', 'x'.repeat(65), 'quote"'])('refuses the label %j', (label) => {
    expect(codeOf(() => checkLabel(label))).toBe('E_BAD_INPUT');
  });
});

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code ?? 'no code';
  }
  return undefined;
}
