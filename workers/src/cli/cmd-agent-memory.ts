/**
 * `tendril agent memory`: read, edit and clear an agent's memory (its own
 * encrypted document, schema/memory.ts), and set the workspace's embedding
 * model that memory recall searches by meaning with.
 *
 *   tendril agent memory --home DIR NAME [--json]
 *   tendril agent memory --home DIR NAME --set KEY --value TEXT|-
 *   tendril agent memory --home DIR NAME --delete KEY
 *   tendril agent memory --home DIR NAME --clear
 *   tendril agent memory --home DIR --embedding-model PROVIDER/MODEL|none
 *
 * A value set here carries no embedding; the agent's next recall computes it.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import { parseProviderId, type SettingsDoc } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { flag, parseArgs } from './args.ts';
import { homeDir, type CliContext } from './context.ts';
import { stdinText } from './read-input.ts';
import { withSession } from './session.ts';

const SYNC_MS = 5000;

export const AGENT_MEMORY_USAGE = 'agent memory --home DIR NAME [--json] [--set KEY --value TEXT|-] [--delete KEY] [--clear] | agent memory --home DIR --embedding-model PROVIDER/MODEL|none';

async function report(ctx: CliContext, session: WorkspaceSession): Promise<void> {
  const r = await session.syncOrQueue(SYNC_MS);
  ctx.io.out(r === 'synced' ? 'saved to relay' : `queued: relay not reachable, ${session.peer.unacked} change(s) not yet saved to relay`);
}

function embeddingModel(ctx: CliContext, settings: SettingsDoc, text: string | undefined): boolean {
  if (text !== undefined) {
    const slash = text.indexOf('/');
    if (text !== 'none' && slash <= 0) throw new TendrilError('E_BAD_INPUT', '--embedding-model is PROVIDER/MODEL (a provider id from Settings), or none for keyword recall');
    settings.setEmbeddingModel(text === 'none' ? undefined : { provider: parseProviderId(text.slice(0, slash)), model: text.slice(slash + 1) });
  }
  const m = settings.embeddingModel();
  ctx.io.out(`embedding model: ${m ? `${m.provider}/${m.model}` : 'none (memory recall by keywords only)'}`);
  return text !== undefined;
}

export async function cmdAgentMemory(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'name', 'set', 'value', 'delete', 'embedding-model'], switches: ['json', 'clear'] });
  const target = args.positionals[0] ?? flag(args, 'name');
  const set = flag(args, 'set');
  const del = flag(args, 'delete');
  const clear = args.flags.has('clear');
  const model = flag(args, 'embedding-model');
  const edits = [set !== undefined, del !== undefined, clear].filter(Boolean).length;
  if (edits > 1) throw new TendrilError('E_BAD_INPUT', 'one of --set, --delete or --clear at a time');
  if (set !== undefined && flag(args, 'value') === undefined) throw new TendrilError('E_BAD_INPUT', '--set KEY needs --value TEXT (or - to read stdin)');
  if (target === undefined && (edits > 0 || model === undefined)) throw new TendrilError('E_BAD_INPUT', `usage: tendril ${AGENT_MEMORY_USAGE}`);
  const value = flag(args, 'value') === '-' ? (await stdinText(ctx.io, 'the value')).replace(/\n$/, '') : flag(args, 'value');
  return withSession(homeDir(ctx, args), async (session) => {
    if (!session.home.keys.has('settings')) throw new TendrilError('E_FORBIDDEN', `this device (${session.home.config.role}) cannot read the settings, where agents are kept`);
    if (model !== undefined) session.requireWrite('settings');
    if (edits > 0) session.requireWrite('chat');
    const { settings } = await session.openSettings();
    await session.syncOrQueue(SYNC_MS);
    let changed = model !== undefined && embeddingModel(ctx, settings, model);
    if (target === undefined) {
      if (changed) await report(ctx, session);
      return 0;
    }
    const agent = settings.agents.find(target);
    if (!agent) throw new TendrilError('E_BAD_INPUT', `no agent ${target}; the agents are ${settings.agents.list().map((a) => a.name).join(', ')}`);
    const { memory } = await session.openMemory(agent.id);
    await session.syncOrQueue(SYNC_MS);
    const me = session.home.identity.deviceId;
    if (set !== undefined) {
      const e = memory.set(set, value ?? '', me);
      ctx.io.out(`set "${e.key}" in ${agent.name}'s memory`);
      changed = true;
    } else if (del !== undefined) {
      if (!memory.delete(del)) throw new TendrilError('E_BAD_INPUT', `${agent.name}'s memory holds nothing under "${del}"`);
      ctx.io.out(`deleted "${del}" from ${agent.name}'s memory`);
      changed = true;
    } else if (clear) {
      ctx.io.out(`cleared ${agent.name}'s memory (${memory.clear()} entries)`);
      changed = true;
    } else if (args.flags.has('json')) {
      const entries = memory.list().map((e) => ({ key: e.key, value: e.value, updatedAt: e.updatedAt, updatedBy: e.updatedBy ?? null, embedding: e.embedding?.model ?? null }));
      ctx.io.out(JSON.stringify({ agent: { id: agent.id, name: agent.name }, entries }));
    } else {
      const entries = memory.list();
      ctx.io.out(`${agent.name}'s memory: ${entries.length} entries`);
      for (const e of entries) ctx.io.out(`${e.key}: ${e.value.replace(/\s+/g, ' ')}`);
    }
    if (changed) await report(ctx, session);
    return 0;
  });
}
