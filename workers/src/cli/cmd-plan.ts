/**
 * `tendril plan show|approve|reject --home DIR CHAT`: the plans agents propose
 * in plan mode (chat-plan.ts), from the command line. `show` prints the
 * chat's latest plan (or the one on `--reply`), its steps with their
 * decisions, and each result once run; `approve` approves the latest proposed
 * plan, every step (`--steps all`, the default) or those listed
 * (`--steps 1,3`, numbered from 1: the others are rejected); `reject` rejects
 * it, and nothing of it runs. A worker (or an open tab) that claims the
 * approved plan runs its steps; `show` again to see the results.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import { parseChatId, type MessageId } from '@tendril/crdt-schema/ids';
import type { ChatDoc, ChatMessage, Plan, PlanStep } from '@tendril/crdt-schema/schema';
import { flag, parseArgs } from './args.ts';
import { homeDir, type CliContext } from './context.ts';
import { withSession } from './session.ts';

const PUSH_TIMEOUT_MS = 5000;

export const PLAN_USAGE = 'plan show --home DIR CHAT [--reply ID] [--json] | approve --home DIR CHAT [--reply ID] [--steps 1,3|all] | reject --home DIR CHAT [--reply ID]';

export async function cmdPlan(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'show': return show(ctx, rest);
    case 'approve': return decide(ctx, rest, 'approve');
    case 'reject': return decide(ctx, rest, 'reject');
    default: throw new TendrilError('E_BAD_INPUT', `usage: tendril ${PLAN_USAGE}`);
  }
}

/** The reply holding the plan: the one `--reply` names, else the latest with a plan (in `state`, when given). */
function pick(chat: ChatDoc, reply: string | undefined, state?: Plan['state']): ChatMessage & { plan: Plan } {
  const withPlan = chat.transcript().filter((m): m is ChatMessage & { plan: Plan } => m.plan !== undefined);
  if (reply !== undefined) {
    const m = withPlan.find((x) => x.id === reply);
    if (!m) throw new TendrilError('E_BAD_INPUT', `no plan on message ${reply.slice(0, 40)} in this chat`);
    return m;
  }
  const m = withPlan.filter((x) => state === undefined || x.plan.state === state).at(-1);
  if (!m) throw new TendrilError('E_BAD_INPUT', state ? `no ${state} plan in this chat` : 'no plan in this chat (send a message with --plan, or turn plan mode on in the app)');
  return m;
}

function what(s: PlanStep): string {
  switch (s.kind) {
    case 'command': return `command on ${s.session}: ${s.command}`;
    case 'file': return `file ${s.path} on ${s.session} (${s.content?.length ?? 0} characters)`;
    case 'tool': return `tool ${s.tool} ${s.args}`;
    case 'notify': return `notify: ${s.text}`;
    case 'handoff': return `hand off to ${s.agent}: ${s.task}`;
  }
}

function printPlan(ctx: CliContext, m: ChatMessage & { plan: Plan }): void {
  const p = m.plan;
  ctx.io.out(`plan ${m.id} by ${m.agent?.name ?? 'the agent'}: ${p.state}${p.summary ? `: ${p.summary}` : ''}`);
  p.steps.forEach((s, i) => {
    const status = s.status === 'waiting' ? s.decision : s.status;
    ctx.io.out(`${i + 1}. [${status}] ${s.title}: ${what(s)}${s.edited ? ' (edited)' : ''}`);
    if (s.result) for (const line of s.result.split('\n').slice(0, 20)) ctx.io.out(`   | ${line}`);
  });
}

async function show(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'reply'], switches: ['json'] });
  const chatId = parseChatId(args.positionals[0] ?? (() => { throw new TendrilError('E_BAD_INPUT', 'usage: tendril plan show --home DIR CHAT'); })());
  return withSession(homeDir(ctx, args), async (peer) => {
    await peer.syncOrQueue(PUSH_TIMEOUT_MS);
    const { chat } = await peer.openChat(chatId);
    await peer.syncOrQueue(PUSH_TIMEOUT_MS);
    const m = pick(chat, flag(args, 'reply'));
    if (args.flags.has('json')) ctx.io.out(JSON.stringify({ reply: m.id, agent: m.agent, ...m.plan }));
    else printPlan(ctx, m);
    return 0;
  });
}

/** `--steps 1,3` (1-based, each once) or `all`: the 0-based steps, or undefined for all. */
function readSteps(v: string | undefined, count: number): number[] | undefined {
  if (v === undefined || v === 'all') return undefined;
  if (!/^\d{1,3}(,\d{1,3})*$/.test(v)) throw new TendrilError('E_BAD_INPUT', '--steps is a list of step numbers like 1,3, or all');
  const steps = [...new Set(v.split(',').map(Number))];
  const bad = steps.find((n) => n < 1 || n > count);
  if (bad !== undefined) throw new TendrilError('E_BAD_INPUT', `--steps: no step ${bad}; the plan has ${count}`);
  return steps.map((n) => n - 1);
}

async function decide(ctx: CliContext, argv: readonly string[], how: 'approve' | 'reject'): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'reply', ...(how === 'approve' ? ['steps'] : [])] });
  const chatArg = args.positionals[0];
  if (!chatArg) throw new TendrilError('E_BAD_INPUT', `usage: tendril plan ${how} --home DIR CHAT`);
  const chatId = parseChatId(chatArg);
  return withSession(homeDir(ctx, args), async (peer) => {
    peer.requireWrite('chat');
    await peer.syncOrQueue(PUSH_TIMEOUT_MS);
    const { chat } = await peer.openChat(chatId);
    await peer.syncOrQueue(PUSH_TIMEOUT_MS);
    const m = pick(chat, flag(args, 'reply'), flag(args, 'reply') === undefined ? 'proposed' : undefined);
    const me = peer.home.identity.deviceId;
    const id = m.id as MessageId;
    if (how === 'reject') {
      chat.rejectPlan(id, me);
      ctx.io.out(`rejected plan ${id}: none of its ${m.plan.steps.length} steps will run`);
    } else {
      const approved = chat.approvePlan(id, me, readSteps(flag(args, 'steps'), m.plan.steps.length));
      const numbers = chat.plan(id)!.steps.flatMap((s, i) => (s.decision === 'approved' ? [i + 1] : []));
      ctx.io.out(`approved plan ${id}: step${approved.length === 1 ? '' : 's'} ${numbers.join(', ')} of ${m.plan.steps.length} will run in order`);
    }
    const pushed = await peer.syncOrQueue(PUSH_TIMEOUT_MS);
    ctx.io.out(pushed === 'synced' ? 'saved to relay' : 'queued: relay not reachable; the decision is sent on the next sync');
    return 0;
  });
}
