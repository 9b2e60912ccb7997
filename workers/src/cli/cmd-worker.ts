/**
 * `tendril worker --home DIR [--name NAME] [--provider openai|anthropic|gemini|ollama
 *  --base-url URL --model M --api-key-env VAR]`: runs the agent worker until
 * stopped. Without --provider, the provider, model, API key and system prompt
 * come from the workspace's encrypted settings, read afresh for every turn.
 */
import { hostname } from 'node:os';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { AgentWorker } from '../agent/agent-worker.ts';
import { createProvider, parseProviderKind, providerFromSettings, type ChosenProvider } from '../agent/provider-setup.ts';
import { flag, intFlag, parseArgs } from './args.ts';
import { homeDir, type CliContext } from './context.ts';
import { withSession } from './session.ts';

export async function cmdWorker(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'name', 'provider', 'base-url', 'model', 'api-key-env', 'lease-ms'] });
  const kind = flag(args, 'provider');
  let fromFlags: ChosenProvider | null = null;
  if (kind !== undefined) {
    const model = flag(args, 'model');
    if (!model) throw new TendrilError('E_BAD_INPUT', '--model is required with --provider');
    const keyVar = flag(args, 'api-key-env');
    const apiKey = keyVar ? ctx.env[keyVar] : undefined;
    if (keyVar && !apiKey) throw new TendrilError('E_BAD_INPUT', `environment variable ${keyVar} is not set`);
    const baseUrl = flag(args, 'base-url');
    fromFlags = { provider: createProvider({ kind: parseProviderKind(kind), model, ...(baseUrl ? { baseUrl } : {}), ...(apiKey ? { apiKey } : {}) }), model };
  }
  return withSession(homeDir(ctx, args), async (session) => {
    const settings = session.home.keys.has('settings') ? (await session.openSettings()).settings : null;
    if (!fromFlags && !settings) throw new TendrilError('E_KEY_MISSING', 'this device cannot read the settings: pass --provider, --model and --api-key-env');
    const worker = new AgentWorker({
      session,
      name: flag(args, 'name') ?? session.home.config.deviceName ?? hostname(),
      chooseProvider: () => fromFlags ?? (settings ? providerFromSettings(settings) : null),
      systemPrompt: () => settings?.systemPrompt() || undefined,
      leaseMs: intFlag(args, 'lease-ms', 15_000),
      log: (line) => ctx.io.err(line),
    });
    await worker.start();
    ctx.io.out(`worker ${session.home.identity.deviceId} answering chats`);
    await ctx.stopSignal;
    await worker.stop();
    return 0;
  });
}
