/**
 * `tendril plugin ...`: installing plugins, the user's grant decisions (the
 * command line stands in for the app's permission dialog), running a plugin
 * once, and reading the activity log.
 *
 *   tendril plugin install   --home DIR MANIFEST.json|builtin:NAME
 *   tendril plugin uninstall --home DIR PLUGIN
 *   tendril plugin list      --home DIR [--json]
 *   tendril plugin grant|deny|revoke --home DIR PLUGIN KIND RESOURCE
 *   tendril plugin run       --home DIR PLUGIN [--time-limit SECONDS]
 *   tendril plugin log       --home DIR [--plugin PLUGIN] [--csv|--json]
 *   tendril plugin runs      --home DIR [--plugin PLUGIN] [--json]   (the run history, newest first)
 *   tendril plugin account   set|remove|list ... (account-cli.ts: mail accounts and calendar sources)
 *   tendril plugin tasks     list|done|open ... (tasks-cli.ts: what the mail and calendar plugins found)
 *
 * PLUGIN is an id, an installed plugin's name, a short name (agent,
 * folder-indexer, chat-digest, browser-history, mail-tasks, calendar), or an agent's name: an agent's grants are
 * filed under the plugin id spelled like its agent id. Folder and browser profile resources are stored
 * as real absolute paths; network resources as hosts (a URL is reduced to its host).
 */
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { parseChatId, parsePluginId, parseSessionId, type PluginId, type SessionId } from '@tendril/crdt-schema/ids';
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { currentWorkers, reconcileSessionAccess, requireSessionManager } from '@tendril/gateway';
import { parseAccountName, PERMISSION_KINDS, type ActivityEntry, type Agent, type PermissionKind, type PermissionsDoc } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { providerFromSettings } from '../agent/provider-setup.ts';
import { flag, parseArgs } from '../cli/args.ts';
import { homeDir, seconds, type CliContext } from '../cli/context.ts';
import { withSession } from '../cli/session.ts';
import { PLUGIN_ALIASES } from './builtin.ts';
import { sessionChatAccess } from './chat-access.ts';
import { sessionSources } from './workspace-sources.ts';
import { ACCOUNT_USAGE, cmdAccount } from './account-cli.ts';
import { cmdTasks, TASKS_USAGE } from './tasks-cli.ts';
import { nodeHostFs } from './host-fs.ts';
import { loadManifest, resolveEntry } from './plugin-entry.ts';
import { PluginRunner } from './plugin-runner.ts';
import { fileStateStore, pluginDirs } from './plugin-state.ts';

const SYNC_MS = 5000;

export const PLUGIN_USAGE = `plugin install --home DIR MANIFEST.json|builtin:NAME | uninstall PLUGIN | list [--json] | grant|deny|revoke --home DIR PLUGIN KIND RESOURCE | run --home DIR PLUGIN [--time-limit S] | log --home DIR [--plugin P] [--csv|--json] | runs --home DIR [--plugin P] [--json] | ${ACCOUNT_USAGE} | ${TASKS_USAGE}`;

export async function cmdPlugin(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'install': return install(ctx, rest);
    case 'uninstall': return uninstall(ctx, rest);
    case 'list': return list(ctx, rest);
    case 'grant':
    case 'deny':
    case 'revoke': return decide(ctx, sub, rest);
    case 'run': return run(ctx, rest);
    case 'log': return log(ctx, rest);
    case 'runs': return runs(ctx, rest);
    case 'account': return cmdAccount(ctx, rest);
    case 'tasks': return cmdTasks(ctx, rest);
    default: throw new TendrilError('E_BAD_INPUT', `usage: tendril ${PLUGIN_USAGE} (got ${sub ?? 'nothing'})`);
  }
}

async function withPermissions<T>(dir: string, use: (session: WorkspaceSession, permissions: PermissionsDoc, crypto: CryptoProvider) => Promise<T>): Promise<T> {
  return withSession(dir, async (session, crypto) => {
    const { permissions } = await session.openPermissions();
    await session.syncOrQueue(SYNC_MS);
    return use(session, permissions, crypto);
  });
}

function report(ctx: CliContext, session: WorkspaceSession, r: 'synced' | 'queued'): void {
  ctx.io.out(r === 'synced' ? 'saved to relay' : `queued: relay not reachable, ${session.peer.unacked} change(s) not yet saved to relay`);
}

/** An alias, an id, the name of an installed plugin, or the name of an agent (among `agents`). */
export function resolvePlugin(permissions: PermissionsDoc, text: string, agents: readonly Agent[] = []): PluginId {
  const alias = PLUGIN_ALIASES[text];
  if (alias) return alias;
  const agent = agents.find((a) => a.id === text) ?? agents.find((a) => a.name.toLowerCase() === text.toLowerCase());
  if (agent) return agent.id as string as PluginId;
  const installed = permissions.plugins.list();
  const byId = installed.find((p) => p.id === text);
  if (byId) return byId.id;
  const byName = installed.filter((p) => p.name.toLowerCase() === text.toLowerCase());
  if (byName.length === 1) return byName[0]!.id;
  if (byName.length > 1) throw new TendrilError('E_BAD_INPUT', `${byName.length} plugins are named ${text}; use the id`);
  return parsePluginId(text);
}

export function normalizeResource(kind: PermissionKind, raw: string, cwd: string): string {
  if (raw === '*') return raw;
  switch (kind) {
    case 'read-folder':
    case 'read_browser_history': {
      const path = resolve(cwd, raw);
      return existsSync(path) ? realpathSync(path) : path;
    }
    case 'network':
      if (raw === 'model') return raw;
      return (URL.canParse(raw) && raw.includes('://') ? new URL(raw).host : raw).toLowerCase();
    case 'read-chats':
    case 'write-chats':
      return raw === 'new' ? raw : parseChatId(raw);
    case 'gateway-session':
      // Workers receive the keys of each granted session, so a grant names one session.
      if (raw === '*') throw new TendrilError('E_BAD_INPUT', 'a gateway-session grant names one terminal session id (workers get its keys), not *');
      return parseSessionId(raw);
    case 'memory':
      throw new TendrilError('E_BAD_INPUT', 'a memory grant is * (an agent reaches only its own memory)');
    case 'read_email':
    case 'read_calendar':
      // One account or calendar source of the settings, by name.
      return parseAccountName(raw);
  }
}

function parseKind(text: string | undefined): PermissionKind {
  if (!text || !(PERMISSION_KINDS as readonly string[]).includes(text)) throw new TendrilError('E_BAD_INPUT', `KIND must be one of ${PERMISSION_KINDS.join(', ')}`);
  return text as PermissionKind;
}

async function install(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home'] });
  const [source] = args.positionals;
  if (!source) throw new TendrilError('E_BAD_INPUT', 'usage: tendril plugin install --home DIR MANIFEST.json|builtin:NAME');
  const manifest = loadManifest(source, ctx.cwd);
  return withPermissions(homeDir(ctx, args), async (session, permissions) => {
    session.requireWrite('permissions');
    const p = permissions.plugins.install(manifest, session.home.identity.deviceId);
    ctx.io.out(`installed ${p.name} ${p.version} (${p.id})${p.schedule ? `, runs on "${p.schedule}"` : ''}; it asks for:`);
    for (const r of p.permissions) ctx.io.out(`  ${r.kind} ${r.resource}${r.dangerous ? ' (dangerous)' : ''}: ${r.reason}`);
    ctx.io.out(`nothing is granted yet: tendril plugin grant --home DIR ${p.id} KIND RESOURCE`);
    report(ctx, session, await session.syncOrQueue(SYNC_MS));
    ctx.io.out(p.id);
    return 0;
  });
}

async function uninstall(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home'] });
  const [name] = args.positionals;
  if (!name) throw new TendrilError('E_BAD_INPUT', 'usage: tendril plugin uninstall --home DIR PLUGIN');
  return withPermissions(homeDir(ctx, args), async (session, permissions) => {
    session.requireWrite('permissions');
    const id = resolvePlugin(permissions, name);
    permissions.plugins.uninstall(id);
    report(ctx, session, await session.syncOrQueue(SYNC_MS));
    return 0;
  });
}

async function list(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home'], switches: ['json'] });
  return withPermissions(homeDir(ctx, args), async (_session, permissions) => {
    const plugins = permissions.plugins.list();
    const grants = permissions.grants.list();
    if (args.flags.has('json')) {
      ctx.io.out(JSON.stringify({ plugins, grants }));
      return 0;
    }
    for (const p of plugins) ctx.io.out(`${p.id}  ${p.name} ${p.version}${p.schedule ? `  [${p.schedule}]` : ''}`);
    for (const g of grants) ctx.io.out(`  ${g.plugin} ${g.kind} ${g.resource}: ${g.revokedAt !== undefined ? 'revoked' : g.decision}`);
    return 0;
  });
}

async function decide(ctx: CliContext, verb: 'grant' | 'deny' | 'revoke', argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home'] });
  const [name, kindText, raw] = args.positionals;
  if (!name || !raw) throw new TendrilError('E_BAD_INPUT', `usage: tendril plugin ${verb} --home DIR PLUGIN KIND RESOURCE`);
  const kind = parseKind(kindText);
  const resource = normalizeResource(kind, raw, ctx.cwd);
  return withPermissions(homeDir(ctx, args), async (session, permissions, crypto) => {
    session.requireWrite('permissions');
    // Agents are named like plugins here; they are kept in the settings.
    const settings = session.home.keys.has('settings') ? (await session.openSettings()).settings : null;
    if (settings) await session.syncOrQueue(SYNC_MS);
    const plugin = resolvePlugin(permissions, name, settings?.agents.list() ?? []);
    const me = session.home.identity.deviceId;
    const target = { plugin, kind, resource };
    const terminal = kind === 'gateway-session' ? (resource as SessionId) : null;
    if (terminal) await requireSessionManager(crypto, session, terminal);
    if (verb === 'revoke') permissions.grants.revoke(target, me);
    else permissions.grants.decide(target, verb === 'grant' ? 'granted' : 'denied', me);
    if (terminal) {
      const access = await reconcileSessionAccess(crypto, session, permissions, terminal);
      const workers = currentWorkers(session).length;
      ctx.io.err(access === 'granted' ? `the session's keys and a writer place go to ${workers} worker(s)` : 'the workers no longer hold this session (the gateway refuses their input)');
    }
    const installed = permissions.plugins.get(plugin);
    if (installed && !installed.permissions.some((r) => r.kind === kind)) ctx.io.err(`note: ${installed.name} did not ask for ${kind}`);
    ctx.io.out(`${verb === 'grant' ? 'granted' : verb === 'deny' ? 'denied' : 'revoked'}: ${plugin} ${kind} ${resource}`);
    report(ctx, session, await session.syncOrQueue(SYNC_MS));
    return 0;
  });
}

async function run(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'time-limit'] });
  const [name] = args.positionals;
  if (!name) throw new TendrilError('E_BAD_INPUT', 'usage: tendril plugin run --home DIR PLUGIN');
  const dir = homeDir(ctx, args);
  return withPermissions(dir, async (session, permissions) => {
    session.requireWrite('permissions');
    const plugin = resolvePlugin(permissions, name);
    const settings = session.home.keys.has('settings') ? (await session.openSettings()).settings : null;
    if (settings) await session.syncOrQueue(SYNC_MS);
    const dirs = pluginDirs(dir);
    const runner = new PluginRunner({
      permissions,
      device: session.home.identity.deviceId,
      chats: sessionChatAccess(session),
      fs: nodeHostFs,
      fetch: (input, init) => globalThis.fetch(input, init),
      state: fileStateStore(dirs.state),
      model: () => (settings ? providerFromSettings(settings) : null),
      timeLimitMs: seconds(args, 'time-limit', 120),
      entry: (e) => resolveEntry(e, { pluginDir: dirs.code }),
      log: (line) => ctx.io.err(line),
      ...sessionSources(session, settings),
    });
    const r = await runner.run(plugin);
    report(ctx, session, await session.syncOrQueue(SYNC_MS * 2));
    ctx.io.out(`${r.status}: ${r.message}`);
    return r.status === 'ok' ? 0 : 1;
  });
}

const CSV_COLUMNS = ['time', 'plugin', 'plugin_name', 'permission', 'resource', 'outcome', 'detail', 'device'] as const;

/** One CSV cell: quoted when needed; a leading formula character is neutralized for spreadsheets. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function activityCsv(entries: readonly ActivityEntry[], nameOf: (p: PluginId) => string): string[] {
  const rows = entries.map((e) =>
    [new Date(e.at).toISOString(), e.plugin, nameOf(e.plugin), e.permission, e.resource, e.outcome, e.detail ?? '', e.device].map(csvCell).join(','));
  return [CSV_COLUMNS.join(','), ...rows];
}

async function log(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'plugin'], switches: ['csv', 'json'] });
  return withPermissions(homeDir(ctx, args), async (_session, permissions) => {
    const only = flag(args, 'plugin');
    const entries = permissions.activity.read(only ? { plugin: resolvePlugin(permissions, only) } : {});
    const names = new Map(permissions.plugins.list().map((p) => [p.id, p.name]));
    const nameOf = (p: PluginId): string => names.get(p) ?? Object.entries(PLUGIN_ALIASES).find(([, id]) => id === p)?.[0] ?? '';
    if (args.flags.has('json')) ctx.io.out(JSON.stringify(entries));
    else if (args.flags.has('csv')) for (const line of activityCsv(entries, nameOf)) ctx.io.out(line);
    else for (const e of entries) ctx.io.out(`${new Date(e.at).toISOString()}  ${e.outcome.padEnd(7)}  ${nameOf(e.plugin) || e.plugin}  ${e.permission}  ${e.resource}${e.detail ? `  ${e.detail}` : ''}`);
    return 0;
  });
}

async function runs(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['home', 'plugin'], switches: ['json'] });
  return withPermissions(homeDir(ctx, args), async (_session, permissions) => {
    const only = flag(args, 'plugin');
    const list = permissions.runs.read(only ? { plugin: resolvePlugin(permissions, only) } : {});
    if (args.flags.has('json')) {
      ctx.io.out(JSON.stringify(list));
      return 0;
    }
    const names = new Map(permissions.plugins.list().map((p) => [p.id, p.name]));
    for (const r of list) ctx.io.out(`${new Date(r.endedAt).toISOString()}  ${r.outcome.padEnd(8)}  ${names.get(r.plugin) ?? r.plugin}  ${r.trigger}  ${r.message}`);
    return 0;
  });
}
