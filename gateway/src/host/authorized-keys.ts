/**
 * The gateway's edits of the host user's authorized_keys: it adds, lists and
 * removes only the lines it wrote itself and leaves every other byte of the
 * file as it was. Its lines are recognised by a trailing marker word and
 * nothing else:
 *
 *   [expiry-time="YYYYMMDDHHMMSSZ" ]TYPE BASE64 LABEL tendril:ID:EXPIRES_MS:key|support
 *
 * A key with an expiry also carries OpenSSH's own `expiry-time` option, so
 * sshd refuses it after that time even while the gateway is down (the
 * gateway removes the line at its next sweep or start). Each change is a
 * read, an edit of the lines, and an atomic replace: a temp file in the same
 * folder with mode 600, flushed, renamed over the original (a symlinked file
 * is replaced at its target). Changes run one after another.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, realpath, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { KEY_TYPES, checkLabel, fingerprintOf, type KeyType, type PublicKey } from './ssh-public-key.ts';

export interface ManagedKey {
  readonly id: string;
  readonly type: KeyType;
  readonly fingerprint: string;
  readonly label: string;
  /** When sshd stops accepting it and the gateway removes it (ms since the epoch); null for no expiry. */
  readonly expiresAt: number | null;
  /** Support access granted with the gateway's configured support key. */
  readonly support: boolean;
}

export interface NewManagedKey {
  readonly key: PublicKey;
  readonly label: string;
  readonly expiresAt?: number | null;
  readonly support?: boolean;
}

const TYPES = KEY_TYPES.map((t) => t.replace(/[.+]/g, '\\$&')).join('|');
const MANAGED = new RegExp(`^(?:expiry-time="(\\d{14})Z" )?(${TYPES}) ([A-Za-z0-9+/]+={0,2}) ([A-Za-z0-9][A-Za-z0-9 ._@+()-]*) tendril:([A-Za-z0-9_-]{12}):(\\d{1,16}):(key|support)$`);

interface Parsed extends ManagedKey {
  readonly base64: string;
}

function parseLine(line: string): Parsed | undefined {
  const m = MANAGED.exec(line);
  if (!m) return undefined;
  const expires = Number(m[6]);
  return {
    id: m[5]!, type: m[2] as KeyType, base64: m[3]!, label: m[4]!, expiresAt: expires > 0 ? expires : null, support: m[7] === 'support',
    fingerprint: fingerprintOf(m[3]!),
  };
}

/** `YYYYMMDDHHMMSS` in UTC, as OpenSSH's expiry-time reads it with a `Z`. */
function sshTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

function formatLine(id: string, k: NewManagedKey): string {
  const expires = k.expiresAt ?? null;
  const option = expires !== null ? `expiry-time="${sshTime(Math.ceil(expires / 1000) * 1000)}Z" ` : '';
  return `${option}${k.key.type} ${k.key.base64} ${checkLabel(k.label)} tendril:${id}:${expires ?? 0}:${k.support ? 'support' : 'key'}`;
}

const newKeyId = (): string => randomBytes(9).toString('base64url');

export class AuthorizedKeys {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  /** The keys this gateway added, in file order. */
  list(): Promise<ManagedKey[]> {
    return this.serial(async () => (await this.read()).lines.map(parseLine).filter((k): k is Parsed => k !== undefined).map(strip));
  }

  /** Appends one line; E_BAD_INPUT when the same key is in the file already (on any line). */
  add(k: NewManagedKey): Promise<ManagedKey> {
    return this.serial(async () => {
      const file = await this.read();
      if (file.lines.some((l) => l.split(/[ \t]+/).includes(k.key.base64))) throw new TendrilError('E_BAD_INPUT', `this key (${k.key.fingerprint}) is in ${this.path} already`);
      const id = newKeyId();
      const line = formatLine(id, k);
      const text = file.text.length === 0 ? `${line}\n` : file.text.endsWith('\n') ? `${file.text}${line}\n` : `${file.text}\n${line}\n`;
      await this.write(file.target, text);
      return strip(parseLine(line)!);
    });
  }

  /** Removes the gateway's lines that `which` picks; returns what it removed. */
  removeWhere(which: (k: ManagedKey) => boolean): Promise<ManagedKey[]> {
    return this.serial(async () => {
      const file = await this.read();
      const removed: ManagedKey[] = [];
      const kept = file.lines.filter((l) => {
        const k = parseLine(l);
        if (k === undefined || !which(strip(k))) return true;
        removed.push(strip(k));
        return false;
      });
      if (removed.length > 0) await this.write(file.target, kept.join('\n'));
      return removed;
    });
  }

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.catch(() => undefined).then(run);
    this.queue = next;
    return next;
  }

  /** The file as bytes-in-latin1 (one character per byte, so rewriting it keeps every other byte as it was). */
  private async read(): Promise<{ target: string; text: string; lines: string[] }> {
    const target = await realpath(this.path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return this.path;
      throw e;
    });
    const text = await readFile(target, 'latin1').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return '';
      throw e;
    });
    return { target, text, lines: text.split('\n') };
  }

  private async write(target: string, text: string): Promise<void> {
    const dir = dirname(target);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temp = join(dir, `.${basename(target)}.tendril-${randomBytes(6).toString('hex')}`);
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'latin1');
      await handle.chmod(0o600);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, target);
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
  }
}

function strip(k: Parsed): ManagedKey {
  return { id: k.id, type: k.type, fingerprint: k.fingerprint, label: k.label, expiresAt: k.expiresAt, support: k.support };
}
