/**
 * `tendril agent add|list|edit|remove|routing`: the workspace's agents, kept
 * in the encrypted settings document (a device that may write settings).
 *
 *   tendril agent add    --home DIR --name NAME [--description TEXT] [--prompt TEXT|-]
 *                        [--provider ID --model M] [--tools a,b|none] [--preset assistant|coder|researcher]
 *   tendril agent list   --home DIR [--json]
 *   tendril agent edit   --home DIR NAME [--name NEW] [--description TEXT] [--prompt TEXT|-]
 *                        [--provider ID --model M | --default-model] [--tools a,b|none]
 *   tendril agent remove --home DIR NAME [--force]
 *   tendril agent routing --home DIR [--router PROVIDER/MODEL|none] [--default NAME] [--new-chats NAME|auto] [--max-depth N] [--max-calls N] [--max-tokens N]
 *   tendril agent memory --home DIR NAME [...]   (cmd-agent-memory.ts)
 *
 * What an agent may touch is granted like a plugin's, under the agent's name:
 * `tendril plugin grant --home DIR NAME KIND RESOURCE`.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import {
  AGENT_PRESETS, AGENT_TOOLS, AUTO_TARGET, parseProviderId, type Agent, type AgentInput, type AgentPatch, type AgentPreset, type DelegationLimits, type SettingsDoc,
} from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { flag, parseArgs, type ParsedArgs } from './args.ts';
import { homeDir, type CliContext } from './context.ts';
import { stdinText } from './read-input.ts';
import { AGENT_MEMORY_USAGE, cmdAgentMemory } from './cmd-agent-memory.ts';
import { withSession } from './session.ts';

const SYNC_MS = 5000;

export const AGENT_USAGE = `agent add --home DIR --name NAME [--description T] [--prompt T|-] [--provider ID --model M] [--tools a,b|none] [--preset P] | list [--json] | edit --home DIR NAME [--name NEW] [...] [--default-model] | remove --home DIR NAME [--force] | routing --home DIR [--router PROVIDER/MODEL|none] [--default NAME] [--new-chats NAME|auto] [--max-depth N] [--max-calls N] [--max-tokens N] | ${AGENT_MEMORY_USAGE.replace(/^agent /, '').replace(' | agent memory', ' | memory')}`;

const EDIT_VALUES = ['home', 'name', 'description', 'prompt', 'provider', 'model', 'tools'];

export async function cmdAgent(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'add': return add(ctx, rest);
    case 'list': return list(ctx, rest);
    case 'edit': return edit(ctx, rest);
    case 'remove': return remove(ctx, rest);
    case 'routing': return routing(ctx, rest);
    case 'memory': return cmdAgentMemory(ctx, rest);
    default: throw new TendrilError('E_BAD_INPUT', `usage: tendril ${AGENT_USAGE} (got ${sub ?? 'nothing'})`);
  }
}

async function withSettings(dir: string, write: boolean, use: (session: WorkspaceSession, settings: SettingsDoc) => Promise<number>): Promise<number> {
  return withSession(dir, async (session) => {
    if (!session.home.keys.has('settings')) throw new TendrilError('E_FORBIDDEN', `this device (${session.home.config.role}) cannot read the settings, where agents are kept`);
    if (write) session.requireWrite('settings');
    const { settings } = await session.openSettings();
    await session.syncOrQueue(SYNC_MS);
    return use(session, settings);
  });
}

async function report(ctx: CliContext, session: WorkspaceSession): Promise<void> {
  const r = await session.syncOrQueue(SYNC_MS);
  ctx.io.out(r === 'synced' ? 'saved to relay' : `queued: relay not reachable, ${session.peer.unacked} change(s) not yet saved to relay`);
}

function parseTools(text: string): string[] {
  if (text.trim() === '' || text === 'none') return [];
  const tools = text.split(',').map((t) => t.trim()).filter((t) => t !== '');
  const bad = tools.find((t) => !(AGENT_TOOLS as readonly string[]).includes(t));
  if (bad !== undefined) throw new TendrilError('E_BAD_INPUT', `--tools: no tool ${bad}; the tools are ${AGENT_TOOLS.join(', ')} (or none)`);
  return tools;
}

async function promptFlag(ctx: CliContext, args: ParsedArgs): Promise<string | undefined> {
  const p = flag(args, 'prompt');
  return p === '-' ? stdinText(ctx.io, 'the system prompt') : p;
}

/** The agent a command names (by name, any case, or by id). */
function named(settings: SettingsDoc, text: string | undefined, verb: string): Agent {
  if (!text) throw new TendrilError('E_BAD_INPUT', `usage: tendril agent ${verb} --home DIR NAME`);
  const agent = settings.agents.find(text);
  if (!agent) throw new TendrilError('E_BAD_INPUT', `no agent ${text}; the agents are ${settings.agents.list().map((a) => a.name).join(', ')}`);
  return agent;
}

function modelText(a: Agent): string {
  return a.provider !== undefined && a.model !== undefined ? `${a.provider}/${a.model}` : 'default model';
}

async function add(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: [...EDIT_VALUES, 'preset'] });
  const presetText = flag(args, 'preset');
  if (presetText !== undefined && !(AGENT_PRESETS as readonly string[]).includes(presetText)) {
    throw new TendrilError('E_BAD_INPUT', `--preset must be one of ${AGENT_PRESETS.join(', ')}`);
  }
  const preset = presetText as AgentPreset | undefined;
  const name = flag(args, 'name');
  if (name === undefined && preset === undefined) throw new TendrilError('E_BAD_INPUT', '--name is required (or --preset)');
  const prompt = await promptFlag(ctx, args);
  const tools = flag(args, 'tools');
  const provider = flag(args, 'provider');
  const model = flag(args, 'model');
  const input: Partial<AgentInput> = {
    ...(name !== undefined ? { name } : {}),
    ...(flag(args, 'description') !== undefined ? { description: flag(args, 'description')! } : {}),
    ...(prompt !== undefined ? { systemPrompt: prompt } : {}),
    ...(tools !== undefined ? { tools: parseTools(tools) } : {}),
    ...(provider !== undefined ? { provider: parseProviderId(provider) } : {}),
    ...(model !== undefined ? { model } : {}),
  };
  return withSettings(homeDir(ctx, args), true, async (session, settings) => {
    const me = session.home.identity.deviceId;
    const agent = preset !== undefined ? settings.agents.addPreset(preset, me, input) : settings.agents.add({ ...input, name: name! }, me);
    ctx.io.out(`added ${agent.name} (${agent.id}): ${modelText(agent)}, tools: ${agent.tools.join(',') || 'none'}`);
    if (agent.tools.length > 0) ctx.io.out(`it may use a tool only once granted: tendril plugin grant --home DIR ${agent.name} KIND RESOURCE`);
    await report(ctx, session);
    return 0;
  });
}

async function list(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home'], switches: ['json'] });
  return withSettings(homeDir(ctx, args), false, async (_session, settings) => {
    const agents = settings.agents.list();
    const def = settings.defaultAgent().id;
    if (args.flags.has('json')) {
      ctx.io.out(JSON.stringify({ agents, defaultAgent: def, newChatTarget: settings.newChatTarget(), routerModel: settings.routerModel() }));
      return 0;
    }
    for (const a of agents) {
      const marks = [a.id === def ? 'default' : '', a.builtIn ? 'built in' : ''].filter((m) => m !== '').join(', ');
      const description = a.description.replace(/\s+/g, ' ');
      ctx.io.out(`${a.id}  ${a.name}${marks ? ` (${marks})` : ''}  ${modelText(a)}  tools: ${a.tools.join(',') || 'none'}  ${description.length > 80 ? `${description.slice(0, 79)}…` : description}`);
    }
    return 0;
  });
}

async function edit(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: [...EDIT_VALUES, 'rename'], switches: ['default-model'] });
  const [which] = args.positionals;
  // `edit NAME --name NEW` renames; `edit --name NAME ...` names the agent to edit.
  const target = which ?? flag(args, 'name');
  const rename = which !== undefined ? flag(args, 'name') : flag(args, 'rename');
  const prompt = await promptFlag(ctx, args);
  const tools = flag(args, 'tools');
  const provider = flag(args, 'provider');
  const model = flag(args, 'model');
  if (args.flags.has('default-model') && (provider !== undefined || model !== undefined)) throw new TendrilError('E_BAD_INPUT', '--default-model clears the model: not with --provider or --model');
  const patch: AgentPatch = {
    ...(rename !== undefined ? { name: rename } : {}),
    ...(flag(args, 'description') !== undefined ? { description: flag(args, 'description')! } : {}),
    ...(prompt !== undefined ? { systemPrompt: prompt } : {}),
    ...(tools !== undefined ? { tools: parseTools(tools) } : {}),
    ...(provider !== undefined ? { provider: parseProviderId(provider) } : {}),
    ...(model !== undefined ? { model } : {}),
    ...(args.flags.has('default-model') ? { provider: null, model: null } : {}),
  };
  if (Object.keys(patch).length === 0) throw new TendrilError('E_BAD_INPUT', 'nothing to change: give --name, --description, --prompt, --provider/--model, --default-model or --tools');
  return withSettings(homeDir(ctx, args), true, async (session, settings) => {
    const agent = settings.agents.update(named(settings, target, 'edit').id, patch);
    ctx.io.out(`edited ${agent.name} (${agent.id}): ${modelText(agent)}, tools: ${agent.tools.join(',') || 'none'}`);
    await report(ctx, session);
    return 0;
  });
}

async function remove(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'name'], switches: ['force'] });
  const target = args.positionals[0] ?? flag(args, 'name');
  return withSettings(homeDir(ctx, args), true, async (session, settings) => {
    const agent = named(settings, target, 'remove');
    const force = args.flags.has('force');
    if (agent.builtIn) throw new TendrilError('E_BAD_INPUT', `${agent.name} is built in and the only agent: add another before removing it`);
    if (settings.agents.list().length === 1 && !force) {
      throw new TendrilError('E_BAD_INPUT', `${agent.name} is the last agent: pass --force to remove it (the built-in assistant then answers)`);
    }
    settings.agents.remove(agent.id, { force });
    ctx.io.out(`removed ${agent.name} (${agent.id}); chats for it are answered by ${settings.defaultAgent().name}`);
    ctx.io.out(`its grants stay until revoked: tendril plugin list --home DIR shows them under ${agent.id}`);
    await report(ctx, session);
    return 0;
  });
}

/** A whole-number flag for a delegation limit (its bounds are checked by the settings document). */
function whole(args: ReturnType<typeof parseArgs>, name: string, key: keyof DelegationLimits): Partial<DelegationLimits> {
  const v = flag(args, name);
  if (v === undefined) return {};
  if (!/^\d{1,9}$/.test(v)) throw new TendrilError('E_BAD_INPUT', `--${name} is a whole number`);
  return { [key]: Number(v) };
}

async function routing(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'router', 'default', 'new-chats', 'max-depth', 'max-calls', 'max-tokens'] });
  const router = flag(args, 'router');
  const def = flag(args, 'default');
  const newChats = flag(args, 'new-chats');
  const limits = {
    ...whole(args, 'max-depth', 'maxDepth'), ...whole(args, 'max-calls', 'maxCalls'), ...whole(args, 'max-tokens', 'maxTokens'),
  };
  const changing = router !== undefined || def !== undefined || newChats !== undefined || Object.keys(limits).length > 0;
  return withSettings(homeDir(ctx, args), changing, async (session, settings) => {
    if (router !== undefined) {
      const slash = router.indexOf('/');
      if (router !== 'none' && slash <= 0) throw new TendrilError('E_BAD_INPUT', '--router is PROVIDER/MODEL (a provider id from Settings), or none for the default model');
      settings.setRouterModel(router === 'none' ? undefined : { provider: parseProviderId(router.slice(0, slash)), model: router.slice(slash + 1) });
    }
    if (def !== undefined) settings.setDefaultAgent(named(settings, def, 'routing --default').id);
    if (newChats !== undefined) settings.setNewChatTarget(newChats === AUTO_TARGET ? AUTO_TARGET : named(settings, newChats, 'routing --new-chats').id);
    if (Object.keys(limits).length > 0) settings.setDelegation(limits);
    const r = settings.routerModel();
    const d = settings.delegation();
    const target = settings.newChatTarget();
    ctx.io.out(`router: ${r ? `${r.provider}/${r.model}` : 'the default model'}`);
    ctx.io.out(`default agent: ${settings.defaultAgent().name}`);
    ctx.io.out(`new chats: ${target === AUTO_TARGET ? 'auto' : (settings.agents.get(target)?.name ?? target)}`);
    ctx.io.out(`sub-agents: ${d.maxDepth} hand-offs deep, ${d.maxCalls} calls and ${d.maxTokens} tokens per turn`);
    if (changing) await report(ctx, session);
    return 0;
  });
}
