/** Temporary directories for tests, removed by `cleanup` (call it in afterEach/afterAll). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDirs {
  /** A fresh empty directory. */
  make(label?: string): string;
  /** Removes every directory made so far. */
  cleanup(): void;
}

export function tempDirs(prefix = 'tendril-relay-'): TempDirs {
  const made: string[] = [];
  return {
    make(label = '') {
      const dir = mkdtempSync(join(tmpdir(), `${prefix}${label}`));
      made.push(dir);
      return dir;
    },
    cleanup() {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
