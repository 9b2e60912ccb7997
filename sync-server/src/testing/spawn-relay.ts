/** The real relay program (main.ts) as a child process on port 0, for crash, restart and fuzz tests. */
import { fileURLToPath } from 'node:url';
import { spawnTs, type Child } from './spawn.ts';

export const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface RelayProcess {
  readonly child: Child;
  readonly url: string;
}

/** Starts main.ts with `--port 0 --data dataDir` plus `args`, and waits for its listening line. */
export async function spawnRelay(dataDir: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<RelayProcess> {
  const child = spawnTs(MAIN, ['--port', '0', '--data', dataDir, ...args], env);
  try {
    const [, url] = await child.waitForLine(/^relay listening on (http:\/\/\S+)$/);
    return { child, url: url! };
  } catch (err) {
    await child.stop();
    throw err;
  }
}
