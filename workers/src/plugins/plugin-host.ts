/**
 * The host side of the plugin API: one handler per op. Each handler checks
 * the grant the op needs at the moment of the call, performs it, and logs it
 * (allowed, denied or error) through the access gate. What each op needs:
 *
 *   listFiles, readFile, watch   read-folder on the path
 *   readDocument                 read-folder on the path (PDF or DOCX text, extracted in a thread of its own)
 *   readBrowserHistory           read_browser_history on the profile folder (URLs and titles, from a copy)
 *   listChats, readChat          read-chats on the chat ('*' for the list)
 *   createChat                   write-chats on "new"
 *   writeMessage                 write-chats on the chat, or "new" for chats the plugin created
 *   fetch                        network on each host, redirects included
 *   complete                     network on "model" (the API key stays here)
 *   runCommand                   gateway-session on the gateway
 *   readMail                     read_email on the account
 *   readCalendar, putEvents      read_calendar on the source
 *   addTask                      read_email / read_calendar on the account its source names
 *   grants, accounts, getState,  nothing (the plugin's own facts: accounts lists the settings'
 *   setState                     accounts of a kind that its grants let it read now)
 *
 * The mail, calendar and task ops are in source-ops.ts.
 */
import { TendrilError, isTendrilError } from '@tendril/crdt-schema/errors';
import { parseChatId, parseMessageId, type ChatId, type DeviceId } from '@tendril/crdt-schema/ids';
import { PERMISSION_KINDS, type AccountCredentials, type PermissionKind, type TasksDoc } from '@tendril/crdt-schema/schema';
import type { ChosenProvider } from '../agent/provider-setup.ts';
import { collect, type ChatMessage } from '../llm/index.ts';
import type { Timers } from '../llm/deps.ts';
import { DEFAULT_FETCH_LIMITS, type FetchLimits } from '../tools/fetch-text.ts';
import { gatedFetchText } from '../tools/web-fetch.ts';
import { GATEWAY_COMMAND_LIMITS, type GatewayCommands } from '../tools/gateway-commands.ts';
import { isAccessDenied, type AccessGate } from './access-gate.ts';
import type { ChatAccess } from './chat-access.ts';
import { absolutePath, listFiles, readTextFile, type HostFs } from './host-fs.ts';
import { readDocument, type ExtractLimits } from './documents/document-text.ts';
import { readBrowserHistory } from './browser/browser-history.ts';
import type { RunSlots } from './run-slots.ts';
import type { HostOp, ReplyErrorCode } from './plugin-protocol.ts';
import type { PluginStateStore } from './plugin-state.ts';
import type { MailLimits } from './mail-reader.ts';
import { createSourceOps } from './source-ops.ts';
import { badInput, num, str, type Args, type Handler } from './host-args.ts';

export const NEW_CHAT = 'new';
export const MODEL_RESOURCE = 'model';
const WRITABLE_ROLES = ['assistant', 'tool', 'system'] as const;
const MAX_MESSAGE = 1_000_000;
const MAX_PROMPT_CHARS = 400_000;

export interface HostDeps {
  readonly gate: AccessGate;
  /** This worker: the author of what plugins write. */
  readonly device: DeviceId;
  readonly chats: ChatAccess;
  readonly fs: HostFs;
  readonly fetch: typeof globalThis.fetch;
  readonly state: PluginStateStore;
  /** The workspace's model, when one is configured. */
  readonly model?: () => ChosenProvider | null;
  readonly gateway?: GatewayCommands;
  /** Called once a watch was granted; the plugin service starts the watcher. */
  readonly onWatch?: (folder: string) => void;
  readonly timers?: Timers;
  readonly fetchLimits?: Partial<FetchLimits>;
  /** Limits of PDF and DOCX text extraction (documents/document-text.ts). */
  readonly documentLimits?: Partial<ExtractLimits>;
  /**
   * Bounds the host work that reads whole files for plugins (document extraction threads, browser
   * profile copies) across all runs, so parallel calls queue instead of piling up threads and copies.
   */
  readonly fileWorkSlots?: RunSlots;
  /** A mail account or calendar source of the sealed settings, with its password (read at each call). */
  readonly accounts?: (name: string) => AccountCredentials | undefined;
  /** The names of the settings' accounts. */
  readonly accountNames?: () => string[];
  /** The workspace's Tasks document, where mail and calendar plugins write. */
  readonly tasks?: () => Promise<TasksDoc>;
  readonly mailLimits?: Partial<MailLimits>;
}

/** The reply code a failure shows the plugin. */
export function replyCode(e: unknown): ReplyErrorCode {
  if (isAccessDenied(e)) return 'denied';
  if (isTendrilError(e) && (e.code === 'E_BAD_INPUT' || e.code === 'E_BAD_ID')) return 'bad-request';
  return 'failed';
}

export function createPluginHost(d: HostDeps) {
  const { gate } = d;
  const plugin = gate.plugin;
  const owned = (chat: ChatId): boolean => d.state.host(plugin).ownedChats.includes(chat);
  /** Waits for a whole-file work slot; a run that ended meanwhile gives it up unused. */
  const withSlot = async <T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> => {
    if (!d.fileWorkSlots) return work();
    const release = await d.fileWorkSlots.acquire();
    try {
      if (signal.aborted) throw new TendrilError('E_BAD_INPUT', 'the run ended before this call was reached');
      return await work();
    } finally {
      release();
    }
  };

  /** Read or write access to a chat: its own grant, or the plugin's "new" grant for chats it created. */
  async function withChat<T>(kind: 'read-chats' | 'write-chats', chat: ChatId, perform: () => Promise<T>, describe: (r: T) => string): Promise<T> {
    if (!gate.decide(kind, chat).allowed && owned(chat) && gate.decide('write-chats', NEW_CHAT).allowed) {
      return gate.performLogged(kind, chat, perform, (r) => `${describe(r)} (a chat it created: allowed by write-chats ${NEW_CHAT})`);
    }
    return gate.guard(kind, chat, perform, describe);
  }

  const handlers: Record<HostOp, Handler> = {
    async grants(a) {
      const kind = a.kind;
      if (!(PERMISSION_KINDS as readonly unknown[]).includes(kind)) badInput(`kind must be one of ${PERMISSION_KINDS.join(', ')}`);
      return gate.granted(kind as PermissionKind);
    },
    listFiles: (a) => listFiles(d.fs, gate, a.folder, num(a.maxFiles, Infinity)),
    readFile: (a) => readTextFile(d.fs, gate, a.path, num(a.maxBytes, Infinity)),
    readDocument: (a, signal) => withSlot(signal, () => readDocument(d.fs, gate, a.path, d.documentLimits)),
    readBrowserHistory: (a, signal) => withSlot(signal, () => readBrowserHistory(gate, a, (p) => d.fs.realpath(p))),
    async watch(a) {
      const folder = absolutePath(a.folder, 'folder');
      await gate.guard('read-folder', folder, async () => {
        const s = await d.fs.stat(folder);
        if (!s.isDirectory()) badInput(`${folder} is not a folder`);
        d.state.updateHost(plugin, (r) => (r.watches.includes(folder) ? r : { ...r, watches: [...r.watches, folder] }));
        d.onWatch?.(folder);
      }, () => 'watch for changes');
      return true;
    },
    async listChats(a) {
      const since = typeof a.updatedSince === 'number' ? a.updatedSince : 0;
      const visible = d.chats.list().filter((c) => c.updatedAt >= since && gate.decide('read-chats', c.id).allowed);
      if (gate.granted('read-chats').length === 0) gate.require('read-chats', '*', 'list chats');
      gate.record({ kind: 'read-chats', resource: '*', outcome: 'allowed', detail: `listed ${visible.length} chats` });
      return visible.map((c) => ({ id: c.id, title: c.title, createdAt: c.createdAt, updatedAt: c.updatedAt }));
    },
    async readChat(a) {
      const id = parseChatId(a.chat);
      return withChat('read-chats', id, async () => {
        const chat = await d.chats.open(id);
        return chat.transcript().map((m) => ({
          id: m.id, role: m.role, content: m.content, status: m.status, createdAt: m.createdAt,
          ...(m.editedAt !== undefined ? { editedAt: m.editedAt } : {}), ...(m.parent !== undefined ? { parent: m.parent } : {}),
        }));
      }, (ms) => `read ${ms.length} messages`);
    },
    async createChat(a) {
      const title = str(a.title, 'title', 200).trim() || badInput('title must not be empty');
      return gate.guard('write-chats', NEW_CHAT, async () => {
        const entry = await d.chats.create(title);
        d.state.updateHost(plugin, (r) => ({ ...r, ownedChats: [...r.ownedChats, entry.id] }));
        return { id: entry.id };
      }, (r) => `created chat ${r.id} "${title}"`);
    },
    async writeMessage(a) {
      const id = parseChatId(a.chat);
      const role = a.role ?? 'assistant';
      if (!(WRITABLE_ROLES as readonly unknown[]).includes(role)) badInput(`role must be one of ${WRITABLE_ROLES.join(', ')}`);
      const content = str(a.content, 'content', MAX_MESSAGE);
      const replaces = a.replaces === undefined ? undefined : parseMessageId(a.replaces);
      return withChat('write-chats', id, async () => {
        const chat = await d.chats.open(id);
        let written;
        if (replaces !== undefined) {
          if (!chat.has(replaces)) badInput(`no message ${replaces} in chat ${id}`);
          written = chat.editMessage(replaces, content, { author: d.device });
        } else {
          written = chat.addMessage({ author: d.device, role: role as (typeof WRITABLE_ROLES)[number], content, status: 'done' });
        }
        try {
          d.chats.touch(id);
        } catch {
          // Moving the chat up the list is cosmetic; a device that may not write the index skips it.
        }
        return { id: written };
      }, () => `${replaces !== undefined ? 'replaced a message' : 'wrote a message'} of ${content.length} characters`);
    },
    async fetch(a, signal) {
      const url = str(a.url, 'url', 4000);
      const cap = d.fetchLimits?.maxBytes ?? DEFAULT_FETCH_LIMITS.maxBytes;
      const limits = { ...d.fetchLimits, ...(a.maxBytes !== undefined ? { maxBytes: Math.min(num(a.maxBytes, cap), cap) } : {}) };
      return gatedFetchText(url, { gate, fetch: d.fetch, limits, signal, ...(d.timers ? { timers: d.timers } : {}) });
    },
    async complete(a, signal) {
      const raw = Array.isArray(a.messages) ? a.messages : badInput('messages must be a list');
      if (raw.length === 0 || raw.length > 200) badInput('messages must hold 1 to 200 messages');
      const messages: ChatMessage[] = raw.map((m: unknown) => {
        const r = (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
        if (r.role !== 'user' && r.role !== 'assistant') badInput('each message needs role user or assistant');
        return { role: r.role as 'user' | 'assistant', content: str(r.content, 'content', MAX_PROMPT_CHARS) };
      });
      const system = a.system === undefined ? undefined : str(a.system, 'system', 20_000);
      const total = messages.reduce((n, m) => n + m.content.length, system?.length ?? 0);
      if (total > MAX_PROMPT_CHARS) badInput(`the prompt is ${total} characters; at most ${MAX_PROMPT_CHARS}`);
      return gate.guard('network', MODEL_RESOURCE, async () => {
        const chosen = d.model?.() ?? null;
        if (!chosen) throw new TendrilError('E_KEY_MISSING', 'no model provider is configured for this workspace');
        const request = { model: chosen.model, messages: system ? [{ role: 'system' as const, content: system }, ...messages] : messages, ...(typeof a.maxTokens === 'number' ? { maxTokens: num(a.maxTokens, 1024) } : {}) };
        const r = await collect(chosen.provider.stream(request, { signal }));
        return { text: r.text, model: chosen.model, usage: r.usage ?? null };
      }, (r) => `model ${r.model}: ${total} characters in, ${r.text.length} out`);
    },
    async runCommand(a, signal) {
      const gateway = a.gateway === undefined ? undefined : str(a.gateway, 'gateway', 200);
      const named = a.session === undefined ? undefined : str(a.session, 'session', 200);
      if (gateway === undefined && named === undefined) badInput('runCommand needs a session (or a gateway)');
      const command = str(a.command, 'command', GATEWAY_COMMAND_LIMITS.maxCommandChars);
      const timeoutMs = Math.min(num(a.timeoutMs, GATEWAY_COMMAND_LIMITS.defaultTimeoutMs), GATEWAY_COMMAND_LIMITS.maxTimeoutMs);
      const detail = `run \`${command.slice(0, 300)}\``;
      if (!d.gateway) {
        gate.require('gateway-session', named ?? gateway ?? '-', detail);
        throw new TendrilError('E_BAD_INPUT', 'this worker has no gateway connection');
      }
      const target = { ...(gateway !== undefined ? { gateway } : {}), ...(named !== undefined ? { session: named } : {}) };
      let session: string;
      try {
        session = d.gateway.resolve(target).session;
      } catch (e) {
        gate.require('gateway-session', named ?? gateway ?? '-', detail);
        throw e;
      }
      const gw = d.gateway;
      return gate.guard('gateway-session', session, () => gw.run({ session, command, timeoutMs, signal }),
        (r) => `ran \`${command.slice(0, 300)}\` -> exit ${r.exitCode ?? 'unknown'}`, detail);
    },
    ...createSourceOps(d, gate),
    getState: async () => d.state.get(plugin),
    async setState(a) {
      d.state.set(plugin, a.value);
      return true;
    },
  };

  return {
    /** Runs one call; rejects with the error to report to the plugin (see replyCode). */
    handle(op: HostOp, args: Args, signal: AbortSignal): Promise<unknown> {
      return handlers[op](args, signal);
    },
  };
}

export type PluginHost = ReturnType<typeof createPluginHost>;
