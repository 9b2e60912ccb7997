/**
 * The relay as a bare program: `node --import tsx sync-server/src/main.ts [options]`,
 * the same relay as `tendril relay` (both only call runRelayProgram). The one
 * place that reads process.argv, process.env and signals for it.
 * SIGINT/SIGTERM shut it down gracefully; SIGHUP re-reads the proxy's kill
 * file (when one is configured).
 */
import { runRelayProgram } from './program.ts';

const stopSignal = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});

runRelayProgram({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  stopSignal,
  onReload: (reload) => void process.on('SIGHUP', reload),
}).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`relay failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
