/**
 * `tendril playbook save|list|run|remove`: approved plans saved to run again.
 *
 *   playbook save   --home DIR CHAT --name NAME [--reply ID] [--schedule 'CRON']   the chat's latest approved plan (its approved steps)
 *   playbook list   --home DIR [--json]
 *   playbook run    --home DIR NAME      writes a run into the playbook's chat now; a worker runs it
 *   playbook remove --home DIR NAME
 *
 * A playbook runs as the agent that proposed the plan, in the chat it came
 * from, with that agent's grants at the time each step runs. On a schedule,
 * each time is written by one worker of those online (the run lease).
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import { parseChatId, type MessageId } from '@tendril/crdt-schema/ids';
import type { SettingsDoc } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { writePlaybookRun } from '../agent/playbook-run.ts';
import { parseCron } from '../plugins/cron.ts';
import { flag, parseArgs, requireFlag } from './args.ts';
import { homeDir, type CliContext } from './context.ts';
import { withSession } from './session.ts';

const SYNC_MS = 5000;

export const PLAYBOOK_USAGE = "playbook save --home DIR CHAT --name NAME [--reply ID] [--schedule 'CRON'] | list --home DIR [--json] | run --home DIR NAME | remove --home DIR NAME";

export async function cmdPlaybook(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'save': return save(ctx, rest);
    case 'list': return list(ctx, rest);
    case 'run': return run(ctx, rest);
    case 'remove': return remove(ctx, rest);
    default: throw new TendrilError('E_BAD_INPUT', `usage: tendril ${PLAYBOOK_USAGE}`);
  }
}

async function withSettings(dir: string, write: boolean, use: (session: WorkspaceSession, settings: SettingsDoc) => Promise<number>): Promise<number> {
  return withSession(dir, async (session) => {
    if (!session.home.keys.has('settings')) throw new TendrilError('E_FORBIDDEN', `this device (${session.home.config.role}) cannot read the settings, where playbooks are kept`);
    if (write) session.requireWrite('settings');
    const { settings } = await session.openSettings();
    await session.syncOrQueue(SYNC_MS);
    return use(session, settings);
  });
}

async function report(ctx: CliContext, session: WorkspaceSession): Promise<void> {
  const r = await session.syncOrQueue(SYNC_MS);
  ctx.io.out(r === 'synced' ? 'saved to relay' : 'queued: relay not reachable; sent on the next sync');
}

async function save(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'name', 'reply', 'schedule'] });
  const chatArg = args.positionals[0];
  if (!chatArg) throw new TendrilError('E_BAD_INPUT', 'usage: tendril playbook save --home DIR CHAT --name NAME');
  const chatId = parseChatId(chatArg);
  const name = requireFlag(args, 'name');
  const reply = flag(args, 'reply');
  const schedule = flag(args, 'schedule');
  return withSettings(homeDir(ctx, args), true, async (session, settings) => {
    session.requireWrite('chat');
    const { chat } = await session.openChat(chatId);
    await session.syncOrQueue(SYNC_MS);
    const approved = chat.transcript().filter((m) => m.plan && m.plan.state !== 'proposed' && m.plan.state !== 'rejected' && (reply === undefined || m.id === reply));
    const m = approved.at(-1);
    if (!m?.plan) throw new TendrilError('E_BAD_INPUT', reply ? `no approved plan on message ${reply.slice(0, 40)}` : 'no approved plan in this chat: approve one first (tendril plan approve)');
    if (!m.agent) throw new TendrilError('E_BAD_INPUT', 'the plan names no agent; only a plan an agent proposed can be saved');
    const steps = m.plan.steps.filter((s) => s.decision === 'approved').map(({ decision: _d, status: _s, result: _r, edited: _e, ...fields }) => fields);
    const saved = settings.playbooks.save({
      name, agent: m.agent.id, chat: chatId, summary: m.plan.summary, steps, ...(schedule !== undefined ? { schedule } : {}),
    }, session.home.identity.deviceId, (c) => void parseCron(c));
    ctx.io.out(`saved playbook ${saved.name}: ${saved.steps.length} step(s) as ${m.agent.name}${saved.schedule ? `, on schedule ${saved.schedule}` : ', run by hand'}`);
    await report(ctx, session);
    return 0;
  });
}

async function list(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home'], switches: ['json'] });
  return withSettings(homeDir(ctx, args), false, async (_session, settings) => {
    const books = settings.playbooks.list();
    if (args.flags.has('json')) ctx.io.out(JSON.stringify(books));
    else for (const p of books) ctx.io.out(`${p.name}  ${settings.agents.get(p.agent)?.name ?? '(agent removed)'}  ${p.steps.length} step(s)  ${p.schedule ?? 'by hand'}  chat ${p.chat}`);
    return 0;
  });
}

async function run(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home'] });
  const name = args.positionals[0];
  if (!name) throw new TendrilError('E_BAD_INPUT', 'usage: tendril playbook run --home DIR NAME');
  return withSettings(homeDir(ctx, args), false, async (session, settings) => {
    session.requireWrite('chat');
    const p = settings.playbooks.get(name) ?? (() => { throw new TendrilError('E_BAD_INPUT', `no playbook ${name}`); })();
    const agent = settings.agents.get(p.agent);
    if (!agent) throw new TendrilError('E_BAD_INPUT', `the agent of playbook ${p.name} was removed; it does not run`);
    const { chat } = await session.openChat(p.chat);
    await session.syncOrQueue(SYNC_MS);
    const id: MessageId = writePlaybookRun(chat, p, agent, session.home.identity.deviceId, 'run by hand');
    ctx.io.out(`started playbook ${p.name}: plan ${id} in chat ${p.chat}; a worker runs it (tendril plan show)`);
    await report(ctx, session);
    return 0;
  });
}

async function remove(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home'] });
  const name = args.positionals[0];
  if (!name) throw new TendrilError('E_BAD_INPUT', 'usage: tendril playbook remove --home DIR NAME');
  return withSettings(homeDir(ctx, args), true, async (session, settings) => {
    settings.playbooks.remove(name);
    ctx.io.out(`removed playbook ${name}`);
    await report(ctx, session);
    return 0;
  });
}
