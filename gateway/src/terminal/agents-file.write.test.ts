/** The instruction file is written once; an existing one is kept, refused or replaced, never silently. */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeAgentsFile } from './agents-file.ts';
import { tempDir } from './test-support.ts';

describe('the agent instruction file', () => {
  it('is created when missing', async () => {
    const dir = await tempDir();
    expect(await writeAgentsFile(dir, { content: '# rules\n' })).toEqual({ path: join(dir, 'AGENTS.md'), outcome: 'written' });
    expect(await readFile(join(dir, 'AGENTS.md'), 'utf8')).toBe('# rules\n');
  });

  it('keeps an existing file by default and says so', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'AGENTS.md'), 'mine');
    expect((await writeAgentsFile(dir, { content: 'theirs' })).outcome).toBe('kept');
    expect(await readFile(join(dir, 'AGENTS.md'), 'utf8')).toBe('mine');
  });

  it('refuses with E_FILE_EXISTS when asked to', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'AGENTS.md'), 'mine');
    await expect(writeAgentsFile(dir, { content: 'theirs', ifExists: 'error' })).rejects.toMatchObject({ code: 'E_FILE_EXISTS' });
  });

  it('replaces it atomically when asked to, leaving no temp file', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'AGENTS.md'), 'mine');
    expect((await writeAgentsFile(dir, { content: 'theirs', ifExists: 'replace' })).outcome).toBe('replaced');
    expect(await readFile(join(dir, 'AGENTS.md'), 'utf8')).toBe('theirs');
    expect(await readdir(dir)).toEqual(['AGENTS.md']);
  });

  it('accepts only a plain file name', async () => {
    const dir = await tempDir();
    await expect(writeAgentsFile(dir, { content: 'x', fileName: '../AGENTS.md' })).rejects.toMatchObject({ code: 'E_PATH_OUTSIDE' });
  });
});
