/**
 * `tendril guest create|list|end|send`: guest chat links.
 *
 *   tendril guest create --home DIR --agent NAME [--code CODE] [--expires 30d] [--max-visitors N] [--daily-tokens N]
 *                        [--visitor-per-minute N] [--link-per-minute N] [--tools a,b]    last line: the link
 *   tendril guest list   --home DIR                  per link, and per visitor: messages, tokens today
 *   tendril guest end    --home DIR LINK_ID [--visitor KEY_PREFIX]
 *   tendril guest send   LINK --code CODE [--visitor FILE] [--timeout S] "message"|-   last line: the reply
 *
 * `create` registers the link at the relay under a new capKey and keeps its keys in the encrypted
 * settings, where the owner's workers find them (`tendril worker` answers its visitors). `send` is a
 * visitor: it needs no home; `--tools` names the agent tools guests may use (of those the agent
 * lists; none by default); `--visitor FILE` keeps the visitor's key and conversation secret, so a
 * later send continues the same conversation (the agent remembers it).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { loadCrypto, type CryptoProvider } from '@tendril/crdt-schema/crypto';
import { guestLinkText, GuestOwner, GuestVisit, newGuestLinkEntry, parseGuestTools, registerGuestLink, tokensSince, type VisitorState } from '@tendril/crdt-schema/guest';
import { toBase64Url } from '@tendril/crdt-schema/ids';
import type { SettingsDoc } from '@tendril/crdt-schema/schema';
import { syncUrl, type WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { normalizeGuestCode } from '@tendril/crdt-schema/wire';
import { NodeWebSocket } from '../peer/node-peer.ts';
import { ownerLinkKeys } from '../guest/link-keys.ts';
import { flag, intFlag, parseArgs, parseDuration, requireFlag } from './args.ts';
import { homeDir, seconds, type CliContext } from './context.ts';
import { stdinText } from './read-input.ts';
import { withSession } from './session.ts';

export const GUEST_USAGE = 'guest create --home DIR --agent NAME [--code CODE] [--expires 30d] [--max-visitors N] [--daily-tokens N] [--tools a,b] | list --home DIR | end --home DIR LINK_ID [--visitor KEY_PREFIX] | send LINK --code CODE [--visitor FILE] [--timeout S] TEXT|-';

const SYNC_MS = 5000;

export async function cmdGuest(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'create': return create(ctx, rest);
    case 'list': return list(ctx, rest);
    case 'end': return end(ctx, rest);
    case 'send': return send(ctx, rest);
    default: throw new TendrilError('E_BAD_INPUT', `usage: tendril ${GUEST_USAGE} (got ${sub ?? 'nothing'})`);
  }
}

async function withSettings(ctx: CliContext, dir: string, use: (session: WorkspaceSession, settings: SettingsDoc, crypto: CryptoProvider) => Promise<number>): Promise<number> {
  return withSession(dir, async (session, crypto) => {
    if (!session.home.keys.has('settings')) throw new TendrilError('E_FORBIDDEN', `this device (${session.home.config.role}) cannot read the settings, where guest links are kept`);
    session.requireWrite('settings');
    const { settings } = await session.openSettings();
    await session.syncOrQueue(SYNC_MS);
    return use(session, settings, crypto);
  });
}

async function ownerConnection(session: WorkspaceSession, crypto: CryptoProvider): Promise<GuestOwner> {
  const { config, identity } = session.home;
  return GuestOwner.connect({ url: syncUrl(config.relay), WebSocket: NodeWebSocket, crypto, device: identity, workspace: config.workspace, clientName: 'tendril-cli' });
}

async function create(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'agent', 'code', 'expires', 'max-visitors', 'daily-tokens', 'visitor-per-minute', 'link-per-minute', 'tools'] });
  const agentName = requireFlag(args, 'agent');
  const expiresMs = parseDuration(flag(args, 'expires') ?? '30d');
  const maxVisitors = intFlag(args, 'max-visitors', 100);
  const dailyTokens = intFlag(args, 'daily-tokens', 20_000);
  const visitorPerMinute = intFlag(args, 'visitor-per-minute', 10);
  const linkPerMinute = intFlag(args, 'link-per-minute', 100);
  const tools = parseGuestTools(flag(args, 'tools') ?? '');
  if (maxVisitors < 1 || maxVisitors > 4096) throw new TendrilError('E_BAD_INPUT', '--max-visitors must be 1 to 4096');
  if (visitorPerMinute < 1 || linkPerMinute < 1) throw new TendrilError('E_BAD_INPUT', '--visitor-per-minute and --link-per-minute must be at least 1');
  return withSettings(ctx, homeDir(ctx, args), async (session, settings, crypto) => {
    const agent = settings.agents.byName(agentName);
    if (!agent) throw new TendrilError('E_BAD_INPUT', `no agent ${agentName}; the agents are ${settings.agents.list().map((a) => a.name).join(', ')}`);
    const code = flag(args, 'code');
    if (code !== undefined && (normalizeGuestCode(code).length < 4 || normalizeGuestCode(code).length > 64)) throw new TendrilError('E_BAD_INPUT', '--code must have 4 to 64 characters');
    const entry = newGuestLinkEntry(crypto, {
      agent: agent.id, relay: session.home.config.relay, ...(code !== undefined ? { code } : {}), expiresInMs: expiresMs, maxVisitors, dailyTokens, visitorPerMinute, linkPerMinute, tools, now: ctx.now(),
    });
    const owner = await ownerConnection(session, crypto);
    try {
      await registerGuestLink(crypto, owner, entry);
    } finally {
      owner.close();
    }
    settings.guests.put(entry);
    const r = await session.syncOrQueue(SYNC_MS);
    if (r !== 'synced') throw new TendrilError('E_OFFLINE', 'the link is registered but its keys did not reach the relay: run tendril sync before sharing it');
    const id = entry.id;
    ctx.io.out(`guest link ${id} for ${agent.name}: code ${entry.code}, ${maxVisitors} visitors, ${dailyTokens || 'unlimited'} tokens a day each${entry.expiresAt ? `, until ${new Date(entry.expiresAt).toISOString()}` : ''}${tools.length ? `, guests may use ${tools.join(', ')}` : ''}`);
    const unlisted = tools.filter((t) => !agent.tools.includes(t));
    if (unlisted.length > 0) ctx.io.err(`note: ${agent.name} does not list ${unlisted.join(', ')}; guests get only the tools the agent also lists`);
    ctx.io.out(guestLinkText(crypto, entry));
    return 0;
  });
}

async function list(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home'] });
  return withSettings(ctx, homeDir(ctx, args), async (session, settings, crypto) => {
    const links = settings.guests.list();
    if (links.length === 0) return (ctx.io.out('no guest links'), 0);
    const owner = await ownerConnection(session, crypto);
    const now = ctx.now();
    try {
      for (const l of links) {
        const state = l.endedAt === 0 ? await owner.watch(ownerLinkKeys(crypto, l)).catch(() => undefined) : undefined;
        const agent = settings.agents.get(l.agent)?.name ?? 'a removed agent';
        const visitors = state ? `${state.visitors.length} visitors (${state.visitors.filter((v) => v.endedAt !== 0).length} ended)` : 'ended';
        ctx.io.out(`${l.id}  ${agent}  code ${l.code}  ${visitors}${l.tools.length ? `  tools ${l.tools.join(',')}` : ''}`);
        // Per visitor: the first 8 characters of its key (what `end --visitor` takes), and its usage.
        for (const v of state?.visitors ?? []) {
          const feed = owner.feeds.get(`${l.id}/${toBase64Url(v.key)}`);
          const log = feed?.log ?? [];
          const messages = log.filter((e) => e.fromVisitor && e.payload.t === 'msg').length;
          const today = tokensSince(log, now - (now % 86_400_000));
          ctx.io.out(`  visitor ${toBase64Url(v.key).slice(0, 8)}  since ${new Date(v.admittedAt).toISOString()}  ${messages} messages  ${today} tokens today${v.endedAt ? '  ended' : ''}`);
        }
      }
    } finally {
      owner.close();
    }
    return 0;
  });
}

async function end(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'visitor'] });
  const id = args.positionals[0];
  if (!id) throw new TendrilError('E_BAD_INPUT', `usage: tendril ${GUEST_USAGE}`);
  const visitorPrefix = flag(args, 'visitor');
  return withSettings(ctx, homeDir(ctx, args), async (session, settings, crypto) => {
    const entry = settings.guests.get(id);
    if (!entry) throw new TendrilError('E_BAD_INPUT', `no guest link ${id}`);
    const keys = ownerLinkKeys(crypto, entry);
    const owner = await ownerConnection(session, crypto);
    try {
      if (visitorPrefix === undefined) {
        await owner.end(keys);
      } else {
        const state = await owner.watch(keys);
        const matches = state.visitors.filter((v) => toBase64Url(v.key).startsWith(visitorPrefix));
        if (matches.length !== 1) throw new TendrilError('E_BAD_INPUT', `--visitor ${visitorPrefix} matches ${matches.length} visitors of this link (see tendril guest list)`);
        await owner.end(keys, matches[0]!.key);
      }
    } finally {
      owner.close();
    }
    if (visitorPrefix !== undefined) {
      ctx.io.out(`ended visitor ${visitorPrefix} of guest link ${id}`);
      return 0;
    }
    settings.guests.end(entry.id, ctx.now());
    await session.syncOrQueue(SYNC_MS);
    ctx.io.out(`ended guest link ${id}`);
    return 0;
  });
}

async function send(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['code', 'visitor', 'timeout'] });
  const [link, textArg] = args.positionals;
  if (!link || textArg === undefined) throw new TendrilError('E_BAD_INPUT', `usage: tendril ${GUEST_USAGE}`);
  const text = textArg === '-' ? await stdinText(ctx.io, 'the message') : textArg;
  if (text.trim() === '') throw new TendrilError('E_BAD_INPUT', 'the message is empty');
  const visitorFile = flag(args, 'visitor');
  const state = visitorFile && existsSync(visitorFile) ? (JSON.parse(readFileSync(visitorFile, 'utf8')) as VisitorState) : undefined;
  const crypto = await loadCrypto();
  const code = flag(args, 'code');
  const visit = await GuestVisit.open(link, { crypto, WebSocket: NodeWebSocket, ...(code ? { code } : {}), ...(state ? { state } : {}), clientName: 'tendril-cli-guest' });
  try {
    if (visitorFile) writeFileSync(visitorFile, JSON.stringify(visit.state), { mode: 0o600 });
    const id = await visit.send(text, ctx.now());
    const answer = await visit.answer(id, seconds(args, 'timeout', 120));
    if (answer.kind === 'refusal') throw new TendrilError('E_GUEST_LIMIT', answer.text);
    ctx.io.out(answer.text);
    return 0;
  } finally {
    visit.close();
  }
}
