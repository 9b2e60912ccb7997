/**
 * `tendril worker --home DIR [--name NAME] [--provider openai|anthropic|gemini|ollama
 *  --base-url URL --model M --api-key-env VAR] [--no-plugins] [--no-tools]
 *  [--plugin-time-limit S] [--max-plugin-runs N] [--plugin-memory-mb MB] [--announce-ms MS]`: runs the agent worker until stopped. Without
 * --provider, the provider, model, API key and system prompt come from the
 * workspace's encrypted settings, read afresh for every turn, and so do the
 * agents: each turn is answered as the chat's agent (or the one routing
 * picks), with its prompt, model and tools (--provider overrides every
 * agent's model, the router's included). When the device
 * holds the permissions keys, the agent gets the tools the user granted it
 * (each access checked and logged; memory tools recall by meaning with the
 * settings' embedding model, else by words) and installed plugins run on their schedules
 * and folder watches, at most --max-plugin-runs (4) threads at once, each with
 * --plugin-time-limit seconds and --plugin-memory-mb of heap; --no-tools and
 * --no-plugins turn either off.
 */
import { spendCheck } from '../agent/spend-gate.ts';
import { spendChats } from '../usage/spend-chats.ts';
import { hostname } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { SessionCommands } from '@tendril/gateway';
import { PlaybookService } from '../agent/playbook-service.ts';
import { systemTimers } from '../llm/index.ts';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { ModelRef } from '@tendril/crdt-schema/schema';
import { AgentWorker } from '../agent/agent-worker.ts';
import { createProvider, embedderFromSettings, parseProviderKind, providerFromSettings, type ChosenProvider, type RetrySetup } from '../agent/provider-setup.ts';
import { flag, intFlag, parseArgs } from './args.ts';
import { homeDir, seconds, type CliContext } from './context.ts';
import { withSession } from './session.ts';
import { startWorkerPlugins } from '../plugins/worker-plugins.ts';
import { DEFAULT_MEMORY_LIMIT_MB } from '../plugins/plugin-runner.ts';
import { DEFAULT_MAX_RUNS } from '../plugins/run-slots.ts';
import { startGuestAnswering } from '../guest/worker-guests.ts';
import { NodeWebSocket } from '../peer/node-peer.ts';

function positiveInt(args: Parameters<typeof intFlag>[0], name: string, fallback: number): number {
  const n = intFlag(args, name, fallback);
  if (n < 1) throw new TendrilError('E_BAD_INPUT', `--${name} must be at least 1`);
  return n;
}

export async function cmdWorker(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'name', 'provider', 'base-url', 'model', 'api-key-env', 'lease-ms', 'plugin-time-limit', 'max-plugin-runs', 'plugin-memory-mb', 'announce-ms'], switches: ['no-plugins', 'no-tools'] });
  const kind = flag(args, 'provider');
  // Transient provider failures are retried within an attempt; say so in the log.
  const retry: RetrySetup = { hooks: { onRetry: (err, attempt, delayMs) => ctx.io.err(`provider ${err.provider}: ${err.message}; retry ${attempt} in ${delayMs} ms`) } };
  let fromFlags: ChosenProvider | null = null;
  if (kind !== undefined) {
    const model = flag(args, 'model');
    if (!model) throw new TendrilError('E_BAD_INPUT', '--model is required with --provider');
    const keyVar = flag(args, 'api-key-env');
    const apiKey = keyVar ? ctx.env[keyVar] : undefined;
    if (keyVar && !apiKey) throw new TendrilError('E_BAD_INPUT', `environment variable ${keyVar} is not set`);
    const baseUrl = flag(args, 'base-url');
    fromFlags = { provider: createProvider({ kind: parseProviderKind(kind), model, ...(baseUrl ? { baseUrl } : {}), ...(apiKey ? { apiKey } : {}) }, {}, retry), model };
  }
  const home = homeDir(ctx, args);
  return withSession(home, async (session, crypto) => {
    const settings = session.home.keys.has('settings') ? (await session.openSettings()).settings : null;
    if (!fromFlags && !settings) throw new TendrilError('E_KEY_MISSING', 'this device cannot read the settings: pass --provider, --model and --api-key-env');
    const chooseProvider = (prefer?: ModelRef): ChosenProvider | null => fromFlags ?? (settings ? providerFromSettings(settings, {}, retry, prefer) : null);
    // Terminal sessions the user lets the agent and plugins use (their keys come with the grant).
    const commands = new SessionCommands({ crypto, session, gunzip: async (gz) => new Uint8Array(gunzipSync(gz)) });
    const extras = await startWorkerPlugins({
      session, home, chooseProvider, gateway: commands,
      embedder: () => (settings ? embedderFromSettings(settings) : undefined),
      tools: !args.flags.has('no-tools'),
      plugins: !args.flags.has('no-plugins'),
      timeLimitMs: seconds(args, 'plugin-time-limit', 120),
      maxRuns: positiveInt(args, 'max-plugin-runs', DEFAULT_MAX_RUNS),
      memoryLimitMb: positiveInt(args, 'plugin-memory-mb', DEFAULT_MEMORY_LIMIT_MB),
      log: (line) => ctx.io.err(line),
    });
    const worker = new AgentWorker({
      session,
      name: flag(args, 'name') ?? session.home.config.deviceName ?? hostname(),
      chooseProvider,
      settings: () => settings,
      ...(extras.tools ? { tools: extras.tools } : {}),
      ...(extras.plans ? { plans: extras.plans } : {}),
      systemPrompt: () => settings?.systemPrompt() || undefined,
      leaseMs: intFlag(args, 'lease-ms', 15_000),
      announceEveryMs: intFlag(args, 'announce-ms', 10_000),
      log: (line) => ctx.io.err(line),
    });
    await worker.start();
    // Playbooks on their schedules: each scheduled time is written by one worker of those online (the run lease).
    const everyChat = spendChats(session);
    const playbooks = settings && extras.lease
      ? new PlaybookService({
        settings, me: session.home.identity.deviceId, lease: extras.lease, now: Date.now, timers: systemTimers,
        openChat: async (id) => (await session.openChat(id)).chat, log: (line) => ctx.io.err(line),
        spend: async () => spendCheck({ settings, chats: await everyChat(), now: Date.now() }),
      })
      : null;
    playbooks?.start();
    // Guest links kept in the settings: their visitors are answered here too (outbound connection only).
    const guests = settings ? await startGuestAnswering({
      session, crypto, settings, chooseProvider, WebSocket: NodeWebSocket, now: ctx.now, log: (line) => ctx.io.err(line),
      // Guests get the tools their link allows of those the agent lists (none by default).
      ...(extras.tools ? { tools: extras.tools } : {}),
    }) : undefined;
    ctx.io.out(`worker ${session.home.identity.deviceId} answering chats`);
    await ctx.stopSignal;
    guests?.stop();
    await playbooks?.stop();
    await worker.stop();
    await extras.stop();
    commands.close();
    return 0;
  });
}
