/**
 * The relay program: `node --import tsx sync-server/src/main.ts [options]`.
 * The only place that reads process.argv and process.env for the relay. Its
 * last startup line on stdout is exactly `relay listening on http://HOST:PORT`;
 * logs go to stderr as JSON lines. SIGINT/SIGTERM shut it down gracefully.
 */
import { jsonLogger } from './server/logger.ts';
import { parseRelayOptions, USAGE } from './options.ts';
import { startRelay } from './start.ts';
import { proxyRoute } from './proxy/mount.ts';

async function main(): Promise<void> {
  let options;
  try {
    options = parseRelayOptions(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const logger = jsonLogger((line) => process.stderr.write(line));
  const relay = await startRelay({ ...options, logger, routes: [proxyRoute(process.env, { logger })] });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('relay.signal', { signal });
    relay.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('relay.close_failed', { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.stdout.write(`relay listening on ${relay.url}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`relay failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
