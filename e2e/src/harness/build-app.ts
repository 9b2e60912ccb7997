/**
 * Builds the app once for the e2e run (`npm run build -w @tendril/app`) when
 * app/build is missing or older than any source it is made from. Test files
 * run in parallel processes, so a lock directory makes one build and the
 * others wait for it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');
const BUILD_INDEX = join(ROOT, 'app/build/index.html');
const LOCK = join(ROOT, 'app/.build-lock');
// Everything the app bundles: its own sources and the workspace packages it imports.
const SOURCES = ['app/src', 'app/static', 'app/guest', 'app/svelte.config.js', 'app/vite.config.ts', 'app/vite.guest.config.ts', 'crdt-schema/src', 'gateway/src', 'workers/src', 'workers/plugins', 'sync-server/src/proxy'];
const STALE_LOCK_MS = 5 * 60_000;

function newestMtime(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const e of readdirSync(path)) if (!e.endsWith('.test.ts')) newest = Math.max(newest, newestMtime(join(path, e)));
  return newest;
}

function isFresh(): boolean {
  const built = statSync(BUILD_INDEX, { throwIfNoEntry: false });
  return built !== undefined && SOURCES.every((s) => newestMtime(join(ROOT, s)) <= built.mtimeMs);
}

function runBuild(): Promise<void> {
  return new Promise((done, fail) => {
    // The build users get: Vitest sets NODE_ENV=test, which would make Vite build Svelte's and SvelteKit's dev variants.
    const child = spawn('npm', ['run', 'build', '-w', '@tendril/app'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-8000)));
    child.stderr.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-8000)));
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 && existsSync(BUILD_INDEX) ? done() : fail(new Error(`the app build failed (exit ${code}):\n${out}`))));
  });
}

function tryLock(): boolean {
  try {
    mkdirSync(LOCK);
    return true;
  } catch {
    const st = statSync(LOCK, { throwIfNoEntry: false });
    if (st && Date.now() - st.mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
    return false;
  }
}

/** Resolves once app/build is up to date with the sources. */
export async function ensureAppBuilt(): Promise<void> {
  const deadline = Date.now() + 2 * STALE_LOCK_MS;
  while (!isFresh()) {
    if (tryLock()) {
      try {
        if (!isFresh()) await runBuild();
      } finally {
        rmSync(LOCK, { recursive: true, force: true });
      }
      return;
    }
    if (Date.now() > deadline) throw new Error('timed out waiting for another process to build the app');
    await new Promise((r) => setTimeout(r, 250));
  }
}
