/**
 * Writes the agent instruction file (`AGENTS.md`) into a session's working
 * directory. An existing file is never replaced silently: by default it is
 * kept and the result says so; `error` refuses with E_FILE_EXISTS; `replace`
 * swaps it atomically and reports that it did.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TendrilError } from '@tendril/crdt-schema/errors';

export const AGENTS_FILE_NAME = 'AGENTS.md';

/** What to do when the file already exists. */
export type IfExists = 'keep' | 'error' | 'replace';

export interface AgentsFileRequest {
  /** The file's full text. */
  readonly content: string;
  /** Default `keep`. */
  readonly ifExists?: IfExists;
  /** Default `AGENTS.md`. */
  readonly fileName?: string;
}

export interface AgentsFileResult {
  readonly path: string;
  /** `written`: created; `kept`: an existing file was left alone; `replaced`: an existing file was overwritten. */
  readonly outcome: 'written' | 'kept' | 'replaced';
}

export async function writeAgentsFile(dir: string, request: AgentsFileRequest): Promise<AgentsFileResult> {
  const name = request.fileName ?? AGENTS_FILE_NAME;
  if (name.includes('/') || name === '..' || name === '.' || name.length === 0) {
    throw new TendrilError('E_PATH_OUTSIDE', `not a plain file name: ${JSON.stringify(name)}`);
  }
  const path = join(dir, name);
  const ifExists = request.ifExists ?? 'keep';
  try {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(request.content, 'utf8');
    } finally {
      await handle.close();
    }
    return { path, outcome: 'written' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (ifExists === 'keep') return { path, outcome: 'kept' };
  if (ifExists === 'error') throw new TendrilError('E_FILE_EXISTS', `${path} exists`);
  const temp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(request.content, 'utf8');
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return { path, outcome: 'replaced' };
}
