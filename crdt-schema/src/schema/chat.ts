/**
 * One document per chat: its messages and the coordination records around
 * them (claims on pending turns, stop requests). A reply streams in by
 * appending to the message's Y.Text.
 *
 * A user turn is `pending` until a worker ends it: `done` when answered (or
 * stopped), `error` when it failed for good, with the reason in the turn's
 * `error` and in its reply. A failed turn is never answered again; asking
 * again is a new turn (an edit of the same text, the Regenerate button).
 * The claim record of a turn (chat-claims.ts) carries `attempts` and, while
 * the turn waits to be tried again, `retryAt`. Both were added to schema 1
 * without a version step (nothing to migrate): they are optional, older
 * readers ignore them, and a record without `attempts` reads as 0. A reply's
 * `continuedBy` (the peer that finished a reply another left unfinished) was
 * added the same way, and so were the chat's `target` (the agent it is for,
 * or `auto`) and a reply's `agent` and `route` (who wrote it, and why that
 * agent), and the chat's own model, system prompt and temperature
 * (chat-options.ts).
 *
 *   const chat = chatDoc(ydoc);
 *   const id = chat.addMessage({ author, role: 'user', content: 'hi' });
 *   chat.transcript();
 */
import * as Y from 'yjs';
import { newMessageId, parseAgentId, type ChatId, type DeviceId, type MessageId } from '../ids.ts';
import { checkHop, MAX_HOPS, type Hop } from './chat-hops.ts';
import { checkChatOptionsPatch, readChatOptions, writeChatOptions, type ChatOptions, type ChatOptionsPatch } from './chat-options.ts';
import { planSection } from './chat-plan.ts';
import { checkAttachments, type ChatAttachment } from './chat-attachments.ts';
import { activeBranch, type Branch, type BranchOptions } from './chat-branch.ts';
import { claimsSection, type Claim } from './chat-claims.ts';
import {
  compareMessages, contentOf, isUsage, MESSAGE_ROLES, usageLatency, MESSAGE_STATUSES, MessageStatus, readMessage,
  ROUTE_VIAS, type ChatMessage, type MessageRole, type ReplyAgent, type RouteNote, type Usage,
} from './chat-message.ts';
import { badInput, checkEnum, checkOptionalText, checkText, entryOf, readNumber, readString, requireEntry, setOptional, type YMap } from './fields.ts';
import { CHAT, CHAT_INFO, MESSAGE, ROOT_META } from './keys.ts';
import { readMeta, type DocMeta } from './meta.ts';
import { MAX_MESSAGE_CHARS, messageTooBig } from './message-size.ts';
import { checkAgentName, isChatTarget, parseChatTarget, type ChatTarget } from './settings-agents.ts';
import { makeWriter, observeRoots, type AccessorOptions } from './writer.ts';

const MAX_CONTENT = MAX_MESSAGE_CHARS;

export interface NewMessage {
  readonly id?: MessageId;
  readonly author: DeviceId;
  readonly role: MessageRole;
  readonly content?: string;
  /** Defaults to pending for user turns, done for everything else. */
  readonly status?: MessageStatus;
  readonly model?: string;
  readonly parent?: MessageId;
  /** A new user turn: the message it comes after (the end of the active branch). */
  readonly follows?: MessageId;
  /** A user turn to be answered with a plan to approve (plan mode for this message). */
  readonly planMode?: boolean;
  /** Files sent with a user turn: references to their sealed blobs (chat-attachments.ts). */
  readonly attachments?: readonly ChatAttachment[];
}

export interface ChatInfo {
  readonly chatId: ChatId;
  readonly createdAt?: number;
  readonly createdBy?: DeviceId;
  /** The agent the chat is for, or `auto`; absent on chats from before agents (the default agent answers). */
  readonly target?: ChatTarget;
}

export interface ChatState {
  readonly meta?: DocMeta;
  readonly info?: ChatInfo;
  readonly messages: ChatMessage[];
  readonly claims: Claim[];
}

export function chatDoc(doc: Y.Doc, options: AccessorOptions = {}) {
  const w = makeWriter(doc, 'chat', options);
  const info = doc.getMap<unknown>(CHAT.info);
  const messages = doc.getMap<unknown>(CHAT.messages);
  const claims = claimsSection(doc, w);

  const requireMessage = (id: MessageId): YMap => requireEntry(messages, id, 'message');
  const insert = (id: MessageId, input: NewMessage, at: number): YMap => {
    const m: YMap = new Y.Map<unknown>();
    messages.set(id, m);
    m.set(MESSAGE.author, input.author);
    m.set(MESSAGE.role, input.role);
    m.set(MESSAGE.content, new Y.Text(input.content ?? ''));
    m.set(MESSAGE.status, input.status ?? (input.role === 'user' ? MessageStatus.Pending : MessageStatus.Done));
    m.set(MESSAGE.createdAt, at);
    if (input.model !== undefined) m.set(MESSAGE.model, input.model);
    if (input.parent !== undefined) m.set(MESSAGE.parent, input.parent);
    if (input.follows !== undefined) m.set(MESSAGE.follows, input.follows);
    if (input.planMode === true) m.set(MESSAGE.planMode, true);
    if (input.attachments !== undefined && input.attachments.length > 0) m.set(MESSAGE.attachments, checkAttachments(input.attachments, badInput));
    return m;
  };
  const check = (input: NewMessage): void => {
    checkEnum(input.role, 'role', MESSAGE_ROLES);
    if (input.content !== undefined) checkOptionalText(input.content, 'content', MAX_CONTENT);
    const big = input.content === undefined ? undefined : messageTooBig(input.content);
    if (big) badInput(`content is ${big.bytes} bytes, more than the ${big.limit} a message written in one piece may have`);
    if (input.status !== undefined) checkEnum(input.status, 'status', MESSAGE_STATUSES);
    if (input.model !== undefined) checkText(input.model, 'model', 200);
    if (input.follows !== undefined) checkText(input.follows, 'follows', 100);
    if (input.id !== undefined && messages.has(input.id)) badInput(`message ${input.id} exists`);
    if (input.attachments !== undefined) {
      if (input.role !== 'user') badInput('only user turns carry attachments');
      checkAttachments(input.attachments, badInput);
    }
  };
  const transcript = (): ChatMessage[] => {
    const out: ChatMessage[] = [];
    for (const id of messages.keys()) {
      const m = entryOf(messages, id);
      const msg = m === undefined ? undefined : readMessage(id, m);
      if (msg !== undefined) out.push(msg);
    }
    return out.sort(compareMessages);
  };
  /** The first version of the group a message belongs to (versions chain through parents of the same role). */
  const versionRoot = (id: MessageId): MessageId => {
    const seen = new Set<MessageId>([id]);
    const role = readString(requireMessage(id), MESSAGE.role);
    let root = id;
    for (;;) {
      const parent = readString(requireMessage(root), MESSAGE.parent) as MessageId | undefined;
      const p = parent === undefined ? undefined : entryOf(messages, parent);
      if (parent === undefined || p === undefined || seen.has(parent) || readString(p, MESSAGE.role) !== role) return root;
      seen.add(parent);
      root = parent;
    }
  };
  const readInfo = (): ChatInfo | undefined => {
    const chatId = readString(info, CHAT_INFO.chatId);
    if (chatId === undefined) return undefined;
    const target = info.get(CHAT_INFO.target);
    return {
      chatId: chatId as ChatId, createdAt: readNumber(info, CHAT_INFO.createdAt), createdBy: readString(info, CHAT_INFO.createdBy) as DeviceId | undefined,
      ...(isChatTarget(target) ? { target } : {}),
    };
  };

  const plans = planSection(w, requireMessage, MESSAGE.plan);

  return {
    claims,
    ...plans,
    /** True when the chat answers every turn with a plan to approve (plan mode for the chat). */
    planMode(): boolean {
      return info.get(CHAT_INFO.planMode) === true;
    },
    setPlanMode(on: boolean): void {
      if (typeof on !== 'boolean') badInput('plan mode is on or off');
      if ((info.get(CHAT_INFO.planMode) === true) !== on) w.write(() => (on ? info.set(CHAT_INFO.planMode, true) : info.delete(CHAT_INFO.planMode)));
    },
    /** True when a user turn is to be answered with a plan: the turn asks for one, or the chat is in plan mode. */
    wantsPlan(turn: MessageId): boolean {
      return requireMessage(turn).get(MESSAGE.planMode) === true || info.get(CHAT_INFO.planMode) === true;
    },
    /** Replies whose plan is approved (or was running) and that no runner holds now: the plans to run. */
    runnablePlans(): ChatMessage[] {
      return transcript().filter((m) => m.role === 'assistant' && (m.plan?.state === 'approved' || m.plan?.state === 'running') && !claims.isClaimed(m.id));
    },
    /** Stamps a new chat document with the chat it belongs to (and the agent it is for). Idempotent. */
    init(input: { chatId: ChatId; createdBy?: DeviceId; target?: ChatTarget }): void {
      const current = readString(info, CHAT_INFO.chatId);
      if (current !== undefined && current !== input.chatId) badInput(`document belongs to chat ${current}`);
      if (current !== undefined) return;
      const target = input.target === undefined ? undefined : parseChatTarget(input.target);
      const at = w.now();
      w.write(() => {
        info.set(CHAT_INFO.chatId, input.chatId);
        info.set(CHAT_INFO.createdAt, at);
        if (input.createdBy !== undefined) info.set(CHAT_INFO.createdBy, input.createdBy);
        if (target !== undefined) info.set(CHAT_INFO.target, target);
      });
    },
    info: readInfo,
    /** The agent the chat is for, or `auto`; undefined: the workspace's default agent. */
    target(): ChatTarget | undefined {
      const t = info.get(CHAT_INFO.target);
      return isChatTarget(t) ? t : undefined;
    },
    setTarget(target: ChatTarget): void {
      const t = parseChatTarget(target);
      if (info.get(CHAT_INFO.target) !== t) w.write(() => info.set(CHAT_INFO.target, t));
    },
    /** The chat's own model, system prompt and temperature (chat-options.ts); unset fields follow the workspace defaults. */
    options(): ChatOptions {
      return readChatOptions(info);
    },
    /** Changes the chat's options; `null` sets a field back to the workspace default. Checked whole first. */
    setOptions(patch: ChatOptionsPatch): ChatOptions {
      const p = checkChatOptionsPatch(patch);
      w.write(() => writeChatOptions(info, p));
      return readChatOptions(info);
    },
    /** Records which agent writes a reply. */
    setAgent(id: MessageId, agent: ReplyAgent): void {
      const value = { id: parseAgentId(agent.id), name: checkAgentName(agent.name) };
      const m = requireMessage(id);
      w.write(() => m.set(MESSAGE.agent, value));
    },
    /** Records how a reply's agent was chosen (the routing note shown above it); undefined clears it. */
    setRoute(id: MessageId, route: RouteNote | undefined): void {
      if (route === undefined) {
        const m = requireMessage(id);
        if (m.has(MESSAGE.route)) w.write(() => m.delete(MESSAGE.route));
        return;
      }
      const value = {
        agent: parseAgentId(route.agent),
        name: checkAgentName(route.name),
        via: checkEnum(route.via, 'via', ROUTE_VIAS),
        reason: checkOptionalText(route.reason, 'reason', 500),
        ...(route.model !== undefined ? { model: checkText(route.model, 'model', 200) } : {}),
        ...(route.usage !== undefined ? (isUsage(route.usage) ? { usage: { inputTokens: route.usage.inputTokens, outputTokens: route.usage.outputTokens, costUsd: route.usage.costUsd } } : badInput('bad usage')) : {}),
      };
      const m = requireMessage(id);
      w.write(() => m.set(MESSAGE.route, value));
    },
    /** Records a sub-agent hop on a reply; returns its index, for updateHop when it ends. */
    addHop(id: MessageId, hop: Hop): number {
      const value = checkHop(hop);
      const m = requireMessage(id);
      let hops = m.get(MESSAGE.hops);
      if (hops instanceof Y.Array && hops.length >= MAX_HOPS) badInput(`a reply holds at most ${MAX_HOPS} hops`);
      let index = 0;
      w.write(() => {
        if (!(hops instanceof Y.Array)) m.set(MESSAGE.hops, (hops = new Y.Array<unknown>()));
        const list = hops as Y.Array<unknown>;
        index = list.length;
        list.push([value]);
      });
      return index;
    },
    /** Replaces the hop at `index` (written by addHop) with how it ended. */
    updateHop(id: MessageId, index: number, hop: Hop): void {
      const value = checkHop(hop);
      const hops = requireMessage(id).get(MESSAGE.hops);
      if (!(hops instanceof Y.Array) || !Number.isInteger(index) || index < 0 || index >= hops.length) badInput(`no hop ${index} on message ${id}`);
      w.write(() => {
        hops.delete(index, 1);
        hops.insert(index, [value]);
      });
    },
    addMessage(input: NewMessage): MessageId {
      check(input);
      const id = input.id ?? newMessageId();
      const at = w.now();
      w.write(() => insert(id, input, at));
      return id;
    },
    /** Appends streamed text to a message's content. */
    appendContent(id: MessageId, text: string): void {
      checkOptionalText(text, 'text', MAX_CONTENT);
      const content = contentOf(requireMessage(id)) ?? badInput(`message ${id} has no content`);
      if (text.length > 0) w.write(() => content.insert(content.length, text));
    },
    /** Sets the status; `error` is kept only with the error status. */
    setStatus(id: MessageId, status: MessageStatus, error?: string): void {
      const s = checkEnum(status, 'status', MESSAGE_STATUSES);
      if (error !== undefined) checkText(error, 'error', 10_000);
      const m = requireMessage(id);
      w.write(() => {
        m.set(MESSAGE.status, s);
        setOptional(m, MESSAGE.error, s === MessageStatus.Error ? error : undefined);
      });
    },
    /** Records that `by` finishes a reply another peer left unfinished (the text so far is kept). */
    markContinued(id: MessageId, by: DeviceId): void {
      const v = checkText(by, 'by', 100);
      const m = requireMessage(id);
      if (m.get(MESSAGE.continuedBy) !== v) w.write(() => m.set(MESSAGE.continuedBy, v));
    },
    setModel(id: MessageId, model: string): void {
      const v = checkText(model, 'model', 200);
      const m = requireMessage(id);
      w.write(() => m.set(MESSAGE.model, v));
    },
    setUsage(id: MessageId, usage: Usage): void {
      if (!isUsage(usage)) badInput('usage needs non-negative inputTokens, outputTokens and costUsd');
      const m = requireMessage(id);
      const value = { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd: usage.costUsd, ...usageLatency(usage) };
      w.write(() => m.set(MESSAGE.usage, value));
    },
    /**
     * Edits a message by branching: a new message revising `id` (its parent),
     * with the same role; the original is marked edited and kept. The new
     * version becomes the one shown on the active branch.
     */
    editMessage(id: MessageId, content: string, by: { author: DeviceId; id?: MessageId }): MessageId {
      const original = readMessage(id, requireMessage(id)) ?? badInput(`message ${id} is malformed`);
      const input: NewMessage = { id: by.id, author: by.author, role: original.role, content, parent: id };
      check(input);
      const newId = by.id ?? newMessageId();
      const at = w.now();
      const root = versionRoot(id);
      w.write(() => {
        insert(newId, input, at);
        requireMessage(id).set(MESSAGE.editedAt, at);
        requireMessage(root).set(MESSAGE.shown, newId);
      });
      return newId;
    },
    /** Shows this version of a message on the active branch (the "1/2" switcher). */
    showVersion(id: MessageId): void {
      const root = versionRoot(id);
      const m = requireMessage(root);
      if (readString(m, MESSAGE.shown) !== id) w.write(() => m.set(MESSAGE.shown, id));
    },
    /** The active branch: what a person sees and the model is sent (see chat-branch.ts). */
    branch(o: BranchOptions = {}): Branch {
      return activeBranch(transcript(), o);
    },
    /** Presses Stop on a message: the synced flag the streaming worker watches. */
    requestStop(id: MessageId, by: DeviceId): void {
      const m = requireMessage(id);
      if (m.has(MESSAGE.stopBy)) return;
      const at = w.now();
      w.write(() => {
        m.set(MESSAGE.stopBy, by);
        m.set(MESSAGE.stopAt, at);
      });
    },
    isStopRequested(id: MessageId): boolean {
      return entryOf(messages, id)?.has(MESSAGE.stopBy) === true;
    },
    message(id: MessageId): ChatMessage | undefined {
      const m = entryOf(messages, id);
      return m === undefined ? undefined : readMessage(id, m);
    },
    has(id: MessageId): boolean {
      return messages.has(id);
    },
    /** Message ids in no particular order (cheap: no content is read). */
    messageIds(): MessageId[] {
      return Array.from(messages.keys()) as MessageId[];
    },
    count(): number {
      return messages.size;
    },
    /** All messages, ordered by creation time then id: the same on every peer. */
    transcript,
    /** User turns still waiting for a worker: pending, not claimed by a live lease, not waiting out a backoff. */
    pendingTurns(): ChatMessage[] {
      return transcript().filter((m) => m.role === 'user' && m.status === MessageStatus.Pending && !claims.isClaimed(m.id) && !claims.isWaiting(m.id));
    },
    /** The assistant replies to a user turn, oldest first. */
    repliesTo(turn: MessageId): ChatMessage[] {
      return transcript().filter((m) => m.role === 'assistant' && m.parent === turn);
    },
    /** True when Stop was pressed on the turn or on any reply to it. */
    isTurnStopped(turn: MessageId): boolean {
      if (entryOf(messages, turn)?.has(MESSAGE.stopBy) === true) return true;
      for (const id of messages.keys()) {
        const m = entryOf(messages, id);
        if (m?.get(MESSAGE.parent) === turn && m.get(MESSAGE.role) === 'assistant' && m.has(MESSAGE.stopBy)) return true;
      }
      return false;
    },
    /**
     * Removes one message (this version only) from the chat, with its tokens and cost. Messages that
     * answered or followed it stay and read as following what came before it.
     */
    deleteMessage(id: MessageId): void {
      requireMessage(id);
      w.write(() => messages.delete(id));
    },
    /** Empties a message's content (a reply reused by the next attempt at its turn). */
    clearContent(id: MessageId): void {
      const content = contentOf(requireMessage(id)) ?? badInput(`message ${id} has no content`);
      if (content.length > 0) w.write(() => content.delete(0, content.length));
    },
    observe(listener: () => void): () => void {
      const roots = [ROOT_META, ...Object.values(CHAT)].map((name) => doc.getMap<unknown>(name));
      return observeRoots(doc, roots, listener);
    },
    toJSON(): ChatState {
      return { meta: readMeta(doc), info: readInfo(), messages: transcript(), claims: claims.list() };
    },
  };
}

export type ChatDoc = ReturnType<typeof chatDoc>;
