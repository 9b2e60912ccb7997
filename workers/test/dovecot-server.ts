/**
 * A real Dovecot IMAP server for tests: a generated dovecot.conf in a temp
 * dir (users from a passwd-file, Maildir mail in the temp dir, plain IMAP on
 * 127.0.0.1 and a free port, no TLS), started in the foreground and stopped
 * by the test. Messages are seeded as Maildir files, which Dovecot picks up
 * on the next mailbox open. Run as root (CI containers), Dovecot wants
 * unprivileged users for its login and mail processes: the package's
 * `dovenull` and `dovecot` users, who are then given the mail folders.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from '@tendril/sync-server/testing/redis-server';

export const DOVECOT = '/usr/sbin/dovecot';

export interface TestMailUser {
  readonly user: string;
  readonly password: string;
}

export interface TestDovecot {
  readonly port: number;
  /** imap://127.0.0.1:PORT */
  readonly url: string;
  readonly dir: string;
  /** Writes a message (full RFC 5322 text) into the user's INBOX as a new Maildir file. */
  deliver(user: string, message: string): void;
  /** Stops the server and removes its directory. */
  cleanup(): Promise<void>;
}

function idOf(name: string): { uid: number; gid: number } {
  const line = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).split(':');
  return { uid: Number(line[2]), gid: Number(line[3]) };
}

function groupOf(gid: number): string {
  return execFileSync('getent', ['group', String(gid)], { encoding: 'utf8' }).split(':')[0]!;
}

function config(dir: string, port: number, root: boolean): { text: string; mailOwner: { uid: number; gid: number } } {
  const me = userInfo();
  const internal = root ? 'dovecot' : me.username;
  const login = root ? 'dovenull' : me.username;
  const mailOwner = root ? idOf('dovecot') : { uid: me.uid, gid: me.gid };
  const text = `
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = ${internal}
default_internal_group = ${groupOf(root ? mailOwner.gid : me.gid)}
default_login_user = ${login}
first_valid_uid = ${Math.min(mailOwner.uid, 1)}
first_valid_gid = ${Math.min(mailOwner.gid, 1)}
mail_location = maildir:${dir}/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/passwd
  default_fields = uid=${mailOwner.uid} gid=${mailOwner.gid} home=${dir}/home/%u
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
service submission-login {
  inet_listener submission {
    port = 0
  }
}
service lmtp {
  unix_listener lmtp {
    mode = 0600
  }
}
`;
  return { text, mailOwner };
}

/** Waits until the server greets on its port (or fails with its log). */
async function greeted(port: number, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`dovecot exited (${proc.exitCode}) while starting:\n${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('* OK'));
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`dovecot did not greet within 20 s:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts Dovecot on a free port with a fresh directory and the given users. */
export async function startDovecot(users: readonly TestMailUser[]): Promise<TestDovecot> {
  const dir = mkdtempSync(join(tmpdir(), 'tendril-dovecot-'));
  chmodSync(dir, 0o755);
  const root = process.getuid?.() === 0;
  const port = await freePort();
  const { text, mailOwner } = config(dir, port, root);
  writeFileSync(join(dir, 'dovecot.conf'), text);
  writeFileSync(join(dir, 'passwd'), users.map((u) => `${u.user}:{PLAIN}${u.password}::::::\n`).join(''));
  for (const sub of ['mail', 'home']) {
    mkdirSync(join(dir, sub));
    if (root) chownSync(join(dir, sub), mailOwner.uid, mailOwner.gid);
  }
  const proc = spawn(DOVECOT, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const log = (): string => {
    try {
      return `${output}\n${readFileSync(join(dir, 'dovecot.log'), 'utf8')}`;
    } catch {
      return output;
    }
  };
  try {
    await greeted(port, proc, log);
  } catch (e) {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  let n = 0;
  return {
    port,
    url: `imap://127.0.0.1:${port}`,
    dir,
    deliver(user, message) {
      const box = join(dir, 'mail', user);
      for (const sub of ['', 'cur', 'new', 'tmp']) {
        const d = join(box, sub);
        mkdirSync(d, { recursive: true });
        if (root) chownSync(d, mailOwner.uid, mailOwner.gid);
      }
      const file = join(box, 'new', `${Date.now()}.M${++n}P${process.pid}.tendril-test`);
      writeFileSync(file, message.replace(/\r?\n/g, '\n'));
      if (root) chownSync(file, mailOwner.uid, mailOwner.gid);
    },
    async cleanup() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
