/**
 * The relay program: the one place that turns flags and environment into a
 * running relay (SQLite under --data or Redis at --redis, the app's build at / when built, the
 * LLM proxy configured by TENDRIL_PROXY_* with its cost table). Both ways to
 * start a relay, `tendril relay` and `node --import tsx sync-server/src/main.ts`,
 * hand their argv, env, output and stop signal to this function and nothing
 * else, so users and tests run the same relay. Its last startup line on stdout
 * is exactly `relay listening on http://HOST:PORT`; logs are JSON lines.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonLogger } from './server/logger.ts';
import { parseRelayOptions, USAGE } from './options.ts';
import { DEFAULT_DATA_DIR, startRelay } from './start.ts';
import { proxyRoute } from './proxy/mount.ts';
import { proxyConfigFromEnv } from './proxy/config.ts';
import { estimateCost } from './proxy/pricing.ts';

export interface RelayProgramIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory that a relative --data is resolved against. */
  readonly cwd: string;
  /** One line on stdout (startup lines). */
  out(line: string): void;
  /** One line on stderr (JSON log lines, usage errors). */
  err(line: string): void;
  /** Resolves when the relay should shut down gracefully. */
  readonly stopSignal: Promise<void>;
}

/** The app's static build next to this package, if it has been built. */
export function appBuildDir(): string | undefined {
  const dir = resolve(fileURLToPath(new URL('../../app/build', import.meta.url)));
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

/** Runs the relay until `stopSignal`; resolves with the exit code (2: bad options). Startup failures reject. */
export async function runRelayProgram(io: RelayProgramIo): Promise<number> {
  let options;
  let proxyConfig;
  try {
    options = parseRelayOptions(io.argv, io.env);
    proxyConfig = proxyConfigFromEnv(io.env, options.proxyFlags);
  } catch (err) {
    io.err((err as Error).message);
    io.err(USAGE);
    return 2;
  }
  if (options.help) {
    io.out(USAGE);
    return 0;
  }
  const { proxyFlags: _flags, ...relayOptions } = options;
  const staticDir = options.staticDir ?? appBuildDir();
  const logger = jsonLogger((line) => io.err(line.replace(/\n$/, '')));
  const relay = await startRelay({
    ...relayOptions,
    dataDir: resolve(io.cwd, options.dataDir ?? DEFAULT_DATA_DIR),
    ...(staticDir ? { staticDir } : {}),
    logger,
    routesFor: (store) => [proxyRoute(proxyConfig, { logger, estimateCost, members: store })],
  });
  if (!staticDir) io.out('the app is not built yet: serving sync, /healthz and /metrics only');
  io.out(`relay listening on ${relay.url}`);
  await io.stopSignal;
  logger.info('relay.stopping');
  await relay.close();
  return 0;
}
