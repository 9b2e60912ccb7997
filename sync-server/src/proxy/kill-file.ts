/**
 * The kill file: a text file of kill switch names (kill-switch.ts
 * parseKillFile) that the operator edits and then signals the relay (SIGHUP)
 * to re-read. A missing file switches nothing off. A file that does not parse
 * or is too large is refused with a clear log line and changes nothing, so a
 * typo never revives a provider that was off.
 */
import { readFile } from 'node:fs/promises';
import { KILL_FILE_MAX_BYTES, parseKillFile, type KillSwitch, type KillTarget } from './kill-switch.ts';
import type { ProxyLogger } from './relay-call.ts';

export type KillFileRead = { readonly ok: true; readonly targets: KillTarget[] } | { readonly ok: false; readonly message: string };

/** Reads and parses the kill file; `read` is injectable for tests (default node:fs). */
export async function readKillFile(path: string, read: (path: string) => Promise<Buffer> = (p) => readFile(p)): Promise<KillFileRead> {
  let bytes: Buffer;
  try {
    bytes = await read(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, targets: [] };
    return { ok: false, message: `cannot read the kill file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  if (bytes.length > KILL_FILE_MAX_BYTES) return { ok: false, message: `the kill file ${path} is larger than ${KILL_FILE_MAX_BYTES} bytes` };
  try {
    return { ok: true, targets: parseKillFile(bytes.toString('utf8')) };
  } catch (err) {
    return { ok: false, message: `${path}: ${(err as Error).message}` };
  }
}

/** Re-reads the kill file into the switch's `file` source; on a bad file logs why and keeps the switches as they were. */
export async function reloadKillFile(path: string, kill: KillSwitch, log: ProxyLogger, read?: (path: string) => Promise<Buffer>): Promise<boolean> {
  const got = await readKillFile(path, read);
  if (!got.ok) {
    log.warn('proxy.kill_file_refused', { message: got.message, off: kill.state().off.join(',') });
    return false;
  }
  kill.set('file', got.targets);
  log.info('proxy.kill_file_read', { file: got.targets.join(','), off: kill.state().off.join(',') });
  return true;
}
