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
import { readKillFile, reloadKillFile } from './proxy/kill-file.ts';
import { createKillSwitch } from './proxy/kill-switch.ts';
import { proxyOpsFromEnv } from './proxy/ops-config.ts';
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
  /**
   * Registers `reload` to run on the operator's reload signal (SIGHUP): re-read the proxy's kill file.
   * Called only when a kill file is configured, so a relay without one keeps the signal's default.
   */
  onReload?(reload: () => void): void;
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
  let ops;
  try {
    options = parseRelayOptions(io.argv, io.env);
    proxyConfig = proxyConfigFromEnv(io.env, options.proxyFlags);
    ops = proxyOpsFromEnv(io.env, options.proxyFlags);
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
  const kill = createKillSwitch(proxyConfig.disabled);
  const { killFile } = ops;
  if (killFile !== undefined) {
    const first = await readKillFile(resolve(io.cwd, killFile));
    if (!first.ok) {
      io.err(first.message);
      return 2;
    }
    kill.set('file', first.targets);
    if (first.targets.length > 0) logger.warn('proxy.kill_file_read', { file: first.targets.join(','), off: kill.state().off.join(',') });
    io.onReload?.(() => void reloadKillFile(resolve(io.cwd, killFile), kill, logger));
  }
  const relay = await startRelay({
    ...relayOptions,
    dataDir: resolve(io.cwd, options.dataDir ?? DEFAULT_DATA_DIR),
    ...(staticDir ? { staticDir } : {}),
    logger,
    routesFor: (store, metrics) => [
      proxyRoute(proxyConfig, {
        logger,
        estimateCost,
        members: store,
        kill,
        metrics,
        ...(ops.operatorKey && { operatorKey: ops.operatorKey }),
        ...(ops.costAlertUsd !== undefined && ops.alertWebhook !== undefined && { costAlert: { thresholdUsd: ops.costAlertUsd, webhook: ops.alertWebhook } }),
      }),
    ],
  });
  if (!staticDir) io.out('the app is not built yet: serving sync, /healthz and /metrics only');
  io.out(`relay listening on ${relay.url}`);
  await io.stopSignal;
  logger.info('relay.stopping');
  await relay.close();
  return 0;
}
