/**
 * Files in a device home directory. Secrets (device keys, workspace keys,
 * the local storage key) are written atomically with mode 0600 in a 0700
 * directory, so only their owner can read them.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TendrilError } from '@tendril/crdt-schema/errors';

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Writes JSON atomically (temp file + rename) with owner-only permissions. */
export function writePrivateJson(path: string, value: unknown): void {
  ensurePrivateDir(dirname(path));
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
  chmodSync(path, 0o600);
}

export function readJson<T>(path: string, what: string): T {
  if (!existsSync(path)) throw new TendrilError('E_KEY_MISSING', `${what} not found at ${path}; run \`tendril init\` or \`tendril join\` first`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (cause) {
    throw new TendrilError('E_BAD_INPUT', `${what} at ${path} is not valid JSON`, { cause });
  }
}

export const homePaths = (home: string) => ({
  home,
  device: join(home, 'device.json'),
  workspace: join(home, 'workspace.json'),
  keys: join(home, 'keys.json'),
  db: join(home, 'local.sqlite'),
  lock: join(home, 'home.lock'),
});
export type HomePaths = ReturnType<typeof homePaths>;
