/**
 * `tendril relay [--port 8787] [--host 127.0.0.1] [--data DIR]`: runs the
 * blind relay with SQLite under DIR, serving the app's build at / when it
 * exists. The last startup line is `relay listening on http://HOST:PORT`.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonLogger, parseRelayOptions, proxyRoute, RELAY_USAGE, startRelay } from '@tendril/sync-server';
import { estimateCost } from '../llm/pricing.ts';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { CliContext } from './context.ts';

/** The app's static build, if it has been built. */
export function appBuildDir(): string | undefined {
  const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../app/build');
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

export async function cmdRelay(ctx: CliContext, argv: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseRelayOptions(argv, ctx.env);
  } catch (e) {
    throw new TendrilError('E_BAD_INPUT', (e as Error).message);
  }
  if (options.help) {
    ctx.io.out(RELAY_USAGE);
    return 0;
  }
  const staticDir = options.staticDir ?? appBuildDir();
  const logger = jsonLogger((line) => ctx.io.err(line.replace(/\n$/, '')));
  const relay = await startRelay({
    ...options,
    dataDir: resolve(ctx.cwd, options.dataDir ?? './data'),
    ...(staticDir ? { staticDir } : {}),
    logger,
    // The LLM proxy for browser-only use (providers without CORS), configured by TENDRIL_PROXY_*.
    routes: [proxyRoute(ctx.env, { logger, estimateCost })],
  });
  if (!staticDir) ctx.io.out('the app is not built yet: serving sync, /healthz and /metrics only');
  ctx.io.out(`relay listening on ${relay.url}`);
  await ctx.stopSignal;
  await relay.close();
  return 0;
}
