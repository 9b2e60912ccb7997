/**
 * `tendril relay [--port 8787] [--host 127.0.0.1] [--data DIR | --redis URL] [--static DIR] [--<limit> N]`:
 * the relay program of sync-server (runRelayProgram), given this command's
 * arguments, environment, output and stop signal; nothing is decided here.
 */
import { runRelayProgram } from '@tendril/sync-server';
import type { CliContext } from './context.ts';

export function cmdRelay(ctx: CliContext, argv: readonly string[]): Promise<number> {
  return runRelayProgram({ argv, env: ctx.env, cwd: ctx.cwd, out: ctx.io.out, err: ctx.io.err, stopSignal: ctx.stopSignal, ...(ctx.onReload && { onReload: ctx.onReload }) });
}
