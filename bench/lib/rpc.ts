/**
 * The child side of a benchmark child process: answers requests from the
 * parent over Node's IPC channel. Every child answers `usage` (its own CPU
 * time and memory, optionally after a full GC) so the parent can tell client
 * and server CPU apart without sampling /proc at 10 ms resolution.
 */

export interface Usage {
  /** process.cpuUsage() of the child, microseconds (all threads). */
  readonly userUs: number;
  readonly systemUs: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

export type Handler = (args: unknown) => unknown;

interface Request {
  readonly id: number;
  readonly cmd: string;
  readonly args: unknown;
}

export function usage(runGc: boolean): Usage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (runGc && gc) {
    gc();
    gc();
  }
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return {
    userUs: cpu.user,
    systemUs: cpu.system,
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    heapTotal: mem.heapTotal,
    external: mem.external,
    arrayBuffers: mem.arrayBuffers,
  };
}

/** Serves `handlers` (plus `usage`) until the parent disconnects or sends `exit`; then runs `onExit`. */
export function serveRpc(handlers: Record<string, Handler>, ready: unknown, onExit: () => Promise<void> | void = () => {}): void {
  if (!process.send) throw new Error('a benchmark child needs an IPC channel');
  const send = (m: unknown): void => void process.send!(m);
  const all: Record<string, Handler> = { usage: (args) => usage((args as { gc?: boolean } | undefined)?.gc === true), ...handlers };
  let exiting = false;
  const exit = async (): Promise<void> => {
    if (exiting) return;
    exiting = true;
    try {
      await onExit();
    } finally {
      process.exit(0);
    }
  };
  process.on('message', (m: Request) => {
    if (m.cmd === 'exit') {
      void exit();
      return;
    }
    const handler = all[m.cmd];
    if (!handler) {
      send({ id: m.id, ok: false, error: `unknown command ${m.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(m.args))
      .then(
        (result) => send({ id: m.id, ok: true, result }),
        (err: unknown) => send({ id: m.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }),
      );
  });
  process.on('disconnect', () => void exit());
  send({ ready });
}
