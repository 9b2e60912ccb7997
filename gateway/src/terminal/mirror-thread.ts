/**
 * Starts the mirror worker thread. From TypeScript sources (the gateway runs
 * under tsx, tests under vitest) the worker cannot inherit the parent's
 * loader on Node 20, so it boots through tsx's `tsImport`; from compiled
 * JavaScript it loads `mirror-worker.js` directly.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { MirrorInit } from './mirror-protocol.ts';

/** The thread a mirror talks to (a `Worker`, or a stand-in in tests). */
export type MirrorThread = Pick<Worker, 'postMessage' | 'on' | 'terminate'>;

/** Starts a mirror thread for one session. */
export type StartMirrorThread = (init: MirrorInit) => MirrorThread;

const BOOT = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx)
  .then((tsx) => tsx.tsImport(workerData.entry, workerData.entry))
  .catch((error) => setImmediate(() => { throw error; }));
`;

export const startMirrorThread: StartMirrorThread = (init) => {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './mirror-worker.ts' : './mirror-worker.js', import.meta.url);
  if (!fromSource) return new Worker(entry, { workerData: { init } });
  const tsxApi = createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
  return new Worker(BOOT, { eval: true, workerData: { init, entry: entry.href, tsx: pathToFileURL(tsxApi).href } });
};
