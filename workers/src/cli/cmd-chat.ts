/**
 * `tendril chat new|send|show|list`: chats from the command line. A new chat
 * is for the workspace's default target (Settings: an agent or auto), or the
 * one `--agent NAME|auto` names; `--plan` (on the chat, or on one message)
 * asks for a plan to approve instead of action (`tendril plan`). Writes are
 * local first: with the relay unreachable a change is stored in the outbox,
 * the command says it is queued and exits 0; the next sync sends it.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import { newChatId, newDocId, parseChatId } from '@tendril/crdt-schema/ids';
import { AUTO_TARGET, describeRoute, type ChatMessage, type ChatTarget } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { withSession } from './session.ts';
import { flag, parseArgs, requireFlag } from './args.ts';
import { homeDir, seconds, type CliContext } from './context.ts';
import { stdinText } from './read-input.ts';

const PUSH_TIMEOUT_MS = 5000;

function reportPush(ctx: CliContext, peer: WorkspaceSession, result: 'synced' | 'queued'): void {
  if (result === 'queued' && peer.peer.seenProblems.some((p) => p.code === 'E_COUNTER_CONFLICT')) {
    // Another copy of this device's keys wrote under the same counter: retrying cannot store this change.
    throw new TendrilError('E_COUNTER_CONFLICT', 'the relay holds another change under this device\'s counter (is this home copied to another machine?); this change was not saved');
  }
  if (result === 'synced') ctx.io.out('saved to relay');
  else ctx.io.out(`queued: relay not reachable, ${peer.peer.unacked} change(s) not yet saved to relay`);
}

export async function cmdChat(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'new': return chatNew(ctx, rest);
    case 'send': return chatSend(ctx, rest);
    case 'show': return chatShow(ctx, rest);
    case 'list': return chatList(ctx, rest);
    default: throw new TendrilError('E_BAD_INPUT', `usage: tendril chat new|send|show|list (got ${sub ?? 'nothing'})`);
  }
}

async function chatNew(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'title', 'agent'], switches: ['plan'] });
  const title = requireFlag(args, 'title');
  const agentName = flag(args, 'agent');
  return withSession(homeDir(ctx, args), async (peer) => {
    peer.requireWrite('index');
    peer.requireWrite('chat');
    const settings = peer.home.keys.has('settings') ? (await peer.openSettings()).settings : null;
    await peer.syncOrQueue(PUSH_TIMEOUT_MS);
    let target: ChatTarget | undefined = settings?.newChatTarget();
    if (agentName !== undefined) {
      const agent = agentName === AUTO_TARGET ? undefined : settings?.agents.find(agentName);
      if (agentName !== AUTO_TARGET && !agent) throw new TendrilError('E_BAD_INPUT', settings ? `no agent ${agentName}` : 'this device cannot read the agents (settings)');
      target = agent?.id ?? AUTO_TARGET;
    }
    const me = peer.home.identity.deviceId;
    const entry = peer.workspace().chats.create({ id: newChatId(), docId: newDocId(), title, createdBy: me });
    const { chat } = await peer.openChat(entry.id);
    chat.init({ chatId: entry.id, createdBy: me, ...(target !== undefined ? { target } : {}) });
    if (args.flags.has('plan')) chat.setPlanMode(true);
    reportPush(ctx, peer, await peer.syncOrQueue(PUSH_TIMEOUT_MS));
    ctx.io.out(entry.id);
    return 0;
  });
}

async function chatSend(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'role'], switches: ['plan'] });
  const [chatArg, ...words] = args.positionals;
  if (!chatArg || words.length === 0) throw new TendrilError('E_BAD_INPUT', 'usage: tendril chat send --home DIR CHAT TEXT|-');
  const chatId = parseChatId(chatArg);
  const content = words.length === 1 && words[0] === '-' ? await stdinText(ctx.io, 'the message') : words.join(' ');
  return withSession(homeDir(ctx, args), async (peer) => {
    peer.requireWrite('chat');
    if (!peer.workspace().chats.get(chatId)) await peer.syncOrQueue(PUSH_TIMEOUT_MS);
    const { chat } = await peer.openChat(chatId);
    const id = chat.addMessage({ author: peer.home.identity.deviceId, role: 'user', content, status: 'pending', ...(args.flags.has('plan') ? { planMode: true } : {}) });
    if (peer.home.keys.get('index')?.writeCap.secretKey) peer.workspace().chats.touch(chatId);
    reportPush(ctx, peer, await peer.syncOrQueue(PUSH_TIMEOUT_MS));
    ctx.io.out(id);
    return 0;
  });
}

function lines(m: ChatMessage): string[] {
  const status = m.status === 'done' || m.status === 'pending' ? '' : ` (${m.status}${m.error ? `: ${m.error}` : ''})`;
  const by = m.agent ? ` [by ${m.agent.name}]` : '';
  const hops = (m.hops ?? []).map((h) => {
    const used = h.usage ? `, ${h.usage.inputTokens} in, ${h.usage.outputTokens} out` : '';
    return `[hop] ${'  '.repeat(h.depth - 1)}${h.from} -> ${h.name}${h.model ? ` (${h.model}${used})` : ''}: ${h.status}: ${(h.result.split('\n')[0] ?? '').slice(0, 200)}`;
  });
  return [...(m.route ? [`[route] ${describeRoute(m.route)}`] : []), ...hops, `[${m.role}] ${m.content}${status}${by}`];
}

async function chatShow(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'wait-for', 'timeout'], switches: ['json'] });
  const [chatArg] = args.positionals;
  if (!chatArg) throw new TendrilError('E_BAD_INPUT', 'usage: tendril chat show --home DIR CHAT');
  const chatId = parseChatId(chatArg);
  const waitFor = flag(args, 'wait-for');
  const timeout = seconds(args, 'timeout', 30);
  return withSession(homeDir(ctx, args), async (peer) => {
    await peer.syncOrQueue(Math.min(timeout, PUSH_TIMEOUT_MS));
    const { sync, chat } = await peer.openChat(chatId);
    await peer.syncOrQueue(Math.min(timeout, PUSH_TIMEOUT_MS));
    if (waitFor !== undefined) {
      const found = () => chat.transcript().some((m) => m.content.includes(waitFor));
      if (!found()) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => {
            sync.ydoc.off('update', check);
            reject(new TendrilError('E_TIMEOUT', `"${waitFor}" did not appear within ${timeout / 1000} s`));
          }, timeout);
          const check = (): void => {
            if (!found()) return;
            clearTimeout(timer);
            sync.ydoc.off('update', check);
            resolve();
          };
          sync.ydoc.on('update', check);
        });
      }
    }
    const transcript = chat.transcript();
    if (args.flags.has('json')) ctx.io.out(JSON.stringify(transcript));
    else for (const m of transcript) for (const l of lines(m)) ctx.io.out(l);
    return 0;
  });
}

async function chatList(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home'], switches: ['json'] });
  return withSession(homeDir(ctx, args), async (peer) => {
    await peer.syncOrQueue(PUSH_TIMEOUT_MS);
    const chats = peer.workspace().chats.list();
    if (args.flags.has('json')) ctx.io.out(JSON.stringify(chats));
    else for (const c of chats) ctx.io.out(`${c.id}  ${c.pinned ? '* ' : ''}${c.title}`);
    return 0;
  });
}
