/**
 * The agent worker: a headless peer that answers every pending user turn of
 * every chat it can read, exactly once even with several workers running. A
 * worker claims a turn with a lease in the chat document, waits until its
 * claim is acknowledged by the relay and a short settle window has passed
 * (concurrent claims resolve to one winner on every peer), answers only if it
 * still holds the claim, renews the lease while streaming, and gives up the
 * moment it loses it. A worker that dies leaves a lease that expires; another
 * worker then answers the turn again.
 *
 * A turn never loops: every failure ends inside the turn's error handling.
 * Attempts are counted in the claim record (shared by every worker, kept
 * across restarts); a failure that may clear up gives the turn back with a
 * growing backoff, and after the last attempt, or at once when trying again
 * cannot help, the turn and its reply end as `error` with the reason. A turn
 * with Stop pressed on it or on a reply is never answered again, and deleting
 * a chat aborts the work on it at once.
 */
import { hostname } from 'node:os';
import type { ChatId, DeviceId, MessageId } from '@tendril/crdt-schema/ids';
import type { Agent, chatDoc, ChatMessage, ModelRef, SettingsDoc } from '@tendril/crdt-schema/schema';
import { SyncState, type DocSync, type SyncStatus } from '@tendril/crdt-schema/sync';
import { liveRepliesFor, liveReplySigner, PeerSelf, type DeviceSigner, type WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { waitFor } from './abortable-wait.ts';
import { answerTurn } from './answer-turn.ts';
import { spendCheck, type SpendGate } from './spend-gate.ts';
import { spendChats, type SpendChats } from '../usage/spend-chats.ts';
import { claimAndRunPlan } from './plan-claim.ts';
import { proposePlan } from './plan-propose.ts';
import type { PlanKit } from './plan-run.ts';
import type { Toolbox } from '../tools/tool.ts';
import type { ChosenProvider } from './provider-setup.ts';
import { titleChat } from './chat-title.ts';
import { turnAgent } from './turn-agent.ts';
import { modelSummarizer, turnContext } from './turn-context.ts';
import { clip, continuing, endStopped, failTurn, replyFor } from './turn-ending.ts';
import { DEFAULT_TURN_RETRY, describeFailure, turnRetryDelay, type TurnRetryPolicy } from './turn-failure.ts';

type Chat = ReturnType<typeof chatDoc>;

interface OpenChat {
  readonly id: ChatId;
  readonly sync: DocSync;
  readonly chat: Chat;
  readonly unobserve: () => void;
  /** Fires when the chat is deleted (or the worker stops): all work on it ends. */
  readonly abort: AbortController;
}

export interface AgentWorkerOptions {
  readonly session: WorkspaceSession;
  readonly name: string;
  /** The provider to use for the next turn (flags, or the settings document as it is now). */
  readonly chooseProvider: (preferred?: ModelRef) => ChosenProvider | null;
  /** The settings as they are now: the agents a turn is routed to (see turn-agent.ts); without them, the agent of old. */
  readonly settings?: () => SettingsDoc | null;
  readonly systemPrompt?: () => string | undefined;
  readonly leaseMs?: number;
  readonly settleMs?: number;
  /** Attempts per turn and the backoff between them; the base delay defaults to the lease. */
  readonly retry?: Partial<TurnRetryPolicy>;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
  /** Runs approved plans (an agent's listed tools and its activity log); without it plans are proposed here but run elsewhere. */
  readonly plans?: PlanKit;
  /** The tools an agent may use now (undefined: the agent of old); none when absent. */
  readonly tools?: (agent: Agent | undefined) => Toolbox | undefined;
  readonly maxToolRounds?: number;
  /** How often the worker announces itself in presence on the index (default 10 s). */
  readonly announceEveryMs?: number;
}


export class AgentWorker {
  private readonly o: AgentWorkerOptions;
  private readonly me: DeviceId;
  /** Signs the live reply frames this worker streams. */
  private readonly signer: DeviceSigner;
  private readonly retry: TurnRetryPolicy;
  private readonly now: () => number;
  private readonly chats = new Map<ChatId, OpenChat>();
  private readonly opening = new Set<ChatId>();
  private readonly inFlight = new Set<MessageId>();
  /** Turns this worker could not even record a failure on (e.g. a document it may not write): left alone. */
  private readonly unwritable = new Set<MessageId>();
  private readonly running = new Set<Promise<void>>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private stopped = false;
  private answered = 0;
  private self: PeerSelf | null = null;

  constructor(o: AgentWorkerOptions) {
    this.o = o;
    this.me = o.session.home.identity.deviceId;
    this.spendChats = spendChats(o.session);
    this.signer = liveReplySigner(o.session.crypto, o.session.home.identity);
    this.retry = { ...DEFAULT_TURN_RETRY, baseDelayMs: this.leaseMs, ...o.retry };
    this.now = o.now ?? Date.now;
  }

  get leaseMs(): number {
    return this.o.leaseMs ?? 15_000;
  }

  /** Turns answered so far (any outcome but a lost claim). */
  get answeredCount(): number {
    return this.answered;
  }

  async start(): Promise<void> {
    const s = this.o.session;
    s.connect();
    await this.openChats();
    s.index.ydoc.on('update', () => void this.openChats().catch((e: unknown) => this.o.log?.(`could not open chats: ${(e as Error).message}`)));
    // Leases and backoffs expire without any document change: look again regularly.
    this.timer = setInterval(() => this.scanAll(), Math.max(200, Math.floor(this.leaseMs / 3)));
    this.announce();
  }

  /** Online in presence on the index (turns in progress as health); the stored record holds name, host and version only. */
  private announce(): void {
    this.self = new PeerSelf({
      crypto: this.o.session.crypto,
      session: this.o.session,
      describe: () => ({ kind: 'worker', name: this.o.name, host: hostname(), version: '0.1.0', health: { status: 'ok', active: this.inFlight.size }, turns: this.inFlight.size }),
      ...(this.o.announceEveryMs !== undefined ? { everyMs: this.o.announceEveryMs } : {}),
      ...(this.o.log ? { log: this.o.log } : {}),
    });
    this.self.start();
  }

  private isGone(id: ChatId): boolean {
    const entry = this.o.session.workspace().chats.get(id);
    return entry === undefined || entry.deleted;
  }

  private async openChats(): Promise<void> {
    // A deleted chat stops all work on it at once, before anything is opened.
    for (const [id, c] of this.chats) if (this.isGone(id)) this.closeChat(id, c);
    for (const entry of this.o.session.workspace().chats.list()) {
      if (this.chats.has(entry.id) || this.opening.has(entry.id) || this.stopped) continue;
      this.opening.add(entry.id);
      try {
        const { sync, chat } = await this.o.session.openChat(entry.id);
        if (this.stopped || this.isGone(entry.id)) continue;
        const unobserveChat = chat.observe(() => this.scan(entry.id));
        // A chat becomes answerable here once caught up with the relay (see scan): look again then.
        const onStatus = (st: SyncStatus): void => void (st.state === SyncState.Synced && this.scan(entry.id));
        sync.on('status', onStatus);
        const unobserve = (): void => {
          unobserveChat();
          sync.off('status', onStatus);
        };
        const opened: OpenChat = { id: entry.id, sync, chat, unobserve, abort: new AbortController() };
        this.chats.set(entry.id, opened);
        this.scan(entry.id);
      } catch (e) {
        // One chat that cannot be opened does not keep the others from being answered.
        this.o.log?.(`chat ${entry.id}: not opened: ${(e as Error).message}`);
      } finally {
        this.opening.delete(entry.id);
      }
    }
  }

  private closeChat(id: ChatId, c: OpenChat): void {
    this.chats.delete(id);
    c.unobserve();
    c.abort.abort();
    this.o.log?.(`chat ${id}: deleted, work on it stopped`);
  }

  private scanAll(): void {
    for (const id of this.chats.keys()) this.scan(id);
  }

  private scan(id: ChatId): void {
    const c = this.chats.get(id);
    if (!c || this.stopped || c.abort.signal.aborted) return;
    // Only from a chat caught up with the relay: a copy that is behind (just opened, or offline) does not
    // show the claims others hold, and a claim made on it can win over a tab or worker already answering.
    if (c.sync.status.state !== SyncState.Synced) return;
    for (const turn of c.chat.pendingTurns()) {
      if (this.inFlight.has(turn.id) || this.unwritable.has(turn.id)) continue;
      this.inFlight.add(turn.id);
      this.self?.healthChanged();
      const run = this.handle(c, turn)
        .catch((e: unknown) => {
          // Only reached when not even the failure could be written: do not try this turn again here.
          this.unwritable.add(turn.id);
          this.o.log?.(`turn ${turn.id}: ${(e as Error).message}`);
        })
        .finally(() => {
          this.inFlight.delete(turn.id);
          this.running.delete(run);
          this.self?.healthChanged();
        });
      this.running.add(run);
    }
    if (this.o.plans) for (const reply of c.chat.runnablePlans()) this.startPlan(c, reply, this.o.plans);
  }

  /** Claims an approved plan and runs its approved steps (plan-claim.ts). */
  private startPlan(c: OpenChat, reply: ChatMessage, kit: PlanKit): void {
    if (this.inFlight.has(reply.id)) return;
    this.inFlight.add(reply.id);
    const run = claimAndRunPlan({
      chat: c.chat, sync: c.sync, reply, me: this.me, leaseMs: this.leaseMs, settleMs: this.o.settleMs ?? 300,
      settings: this.o.settings?.() ?? null, kit, choose: this.o.chooseProvider, signal: c.abort.signal, spend: this.spendGate, ...(this.o.log ? { log: this.o.log } : {}),
    })
      .catch((e: unknown) => this.o.log?.(`plan ${reply.id}: ${(e as Error).message}`))
      .finally(() => {
        this.inFlight.delete(reply.id);
        this.running.delete(run);
      });
    this.running.add(run);
  }

  private async handle(c: OpenChat, turn: ChatMessage): Promise<void> {
    const { chat, sync } = c;
    if (chat.isTurnStopped(turn.id)) return endStopped(chat, turn.id, this.me);
    if (!chat.claims.claim(turn.id, this.me, this.leaseMs)) return;
    try {
      // Our claim must reach the relay, and concurrent claims reach us, before we decide.
      await sync.whenSynced(this.leaseMs);
    } catch (e) {
      this.o.log?.(`turn ${turn.id}: claim not synced (${(e as Error).message}); given back`);
      chat.claims.backOff(turn.id, this.me, this.now());
      return;
    }
    await waitFor(this.o.settleMs ?? 300, c.abort.signal);
    if (!chat.claims.holds(turn.id, this.me)) return;
    if (this.stopped || c.abort.signal.aborted) return chat.claims.backOff(turn.id, this.me, this.now());

    const renew = setInterval(() => {
      try {
        chat.claims.claim(turn.id, this.me, this.leaseMs);
      } catch (e) {
        this.o.log?.(`turn ${turn.id}: lease not renewed: ${(e as Error).message}`);
      }
    }, Math.floor(this.leaseMs / 3));
    let attempt = 0;
    let reply: MessageId | undefined;
    let toolsRan = false;
    // Set once the turn is answered: the chat is titled after the claim is let go (chat-title.ts).
    let titleAfter: { reply: MessageId; chosen: ChosenProvider; signal: AbortSignal } | undefined;
    try {
      attempt = chat.claims.beginAttempt(turn.id, this.me);
      if (attempt === 0) return;
      if (chat.isTurnStopped(turn.id)) return endStopped(chat, turn.id, this.me);
      if (attempt > this.retry.maxAttempts) {
        // Every attempt ended with its worker gone: the reason goes on the reply the last one left.
        reply = chat.repliesTo(turn.id).at(-1)?.id ?? replyFor(chat, turn.id, this.me, undefined).id;
        return this.fail(chat, turn.id, reply, `gave up after ${attempt - 1} attempts: the worker answering it stopped each time`);
      }
      // A reply a tab or another worker left unfinished is finished here, from the text it has.
      const target = replyFor(chat, turn.id, this.me, undefined);
      reply = target.id;
      const signal = c.abort.signal;
      const overLimit = spendCheck(await this.spendInput());
      if (overLimit) return this.fail(chat, turn.id, reply, overLimit);
      const picked = await turnAgent({
        settings: this.o.settings?.() ?? null, chat, turn, reply: target, choose: this.o.chooseProvider, signal, spend: this.spendGate,
        ...(this.o.tools ? { tools: this.o.tools } : {}), ...(this.o.systemPrompt ? { systemPrompt: this.o.systemPrompt } : {}), ...(this.o.log ? { log: this.o.log } : {}),
      });
      const chosen = picked.choice !== null && 'provider' in picked.choice ? picked.choice : null;
      if (!chosen) return this.fail(chat, turn.id, reply, 'no model provider is configured: add one with an API key in Settings');
      chat.setModel(reply, chosen.model);
      if (picked.agent) this.o.log?.(`turn ${turn.id}: answering as ${picked.agent.name}${picked.note ? ` (${picked.note.via})` : ''}`);
      const messages = await turnContext(chat.transcript(), turn.id, {
        model: chosen.model, systemPrompt: picked.systemPrompt, summarize: modelSummarizer(chosen.provider, chosen.model, signal),
        attachments: (ref) => this.o.session.attachments.open(c.id, ref),
      });
      continuing(messages, target);
      const pastLimit = spendCheck(await this.spendInput(), { model: chosen.model, messages });
      if (pastLimit) return this.fail(chat, turn.id, reply, pastLimit);
      const tools = picked.tools;
      const result = chat.wantsPlan(turn.id)
        ? await proposePlan({
          chat, reply, provider: chosen.provider, model: chosen.model, messages, signal, ...(tools ? { tools } : {}), ...(picked.temperature !== undefined ? { temperature: picked.temperature } : {}),
          agents: (this.o.settings?.()?.agents.list() ?? []).filter((a) => a.id !== picked.agent?.id), stillHolds: () => chat.claims.holds(turn.id, this.me),
        })
        : await answerTurn({
          chat, reply, provider: chosen.provider, model: chosen.model, messages, worker: this.me, ...(picked.temperature !== undefined ? { temperature: picked.temperature } : {}), stillHolds: () => chat.claims.holds(turn.id, this.me), stillWriter: () => chat.claims.get(turn.id)?.worker === this.me, signal, live: liveRepliesFor(c.sync, chat, this.signer),
          ...(tools ? { tools, onToolResult: (call) => { toolsRan = true; this.o.log?.(`turn ${turn.id}: tool ${call.name}`); } } : {}),
          ...(this.o.maxToolRounds !== undefined ? { maxToolRounds: this.o.maxToolRounds } : {}),
        });
      this.o.log?.(`turn ${turn.id}: ${result.outcome} (attempt ${attempt})`);
      if (result.outcome === 'lost') return;
      if (result.outcome === 'error') return this.failed(c, turn.id, reply, attempt, result.error, toolsRan);
      this.answered++;
      chat.setStatus(turn.id, 'done');
      chat.claims.release(turn.id, this.me);
      if (result.outcome === 'done' && !chat.wantsPlan(turn.id)) titleAfter = { reply, chosen: chosen, signal };
    } catch (e) {
      this.o.log?.(`turn ${turn.id}: attempt ${attempt} failed: ${(e as Error).message}`);
      if (reply === undefined) reply = replyFor(chat, turn.id, this.me, undefined).id;
      this.failed(c, turn.id, reply, attempt, e, toolsRan);
    } finally {
      clearInterval(renew);
    }
    if (titleAfter) await this.title(c, turn.id, titleAfter.reply, titleAfter.chosen, titleAfter.signal);
  }

  /** Titles the chat after its first reply (chat-title.ts); a failure is logged and changes nothing else. */
  private async title(c: OpenChat, turn: MessageId, reply: MessageId, chosen: ChosenProvider, signal: AbortSignal): Promise<void> {
    const chats = this.o.session.workspace().chats;
    try {
      const title = await titleChat({
        chat: c.chat, turn, reply, provider: chosen.provider, model: chosen.model, signal,
        sink: { wantsTitle: () => chats.wantsTitle(c.id), setAutoTitle: (t) => chats.setAutoTitle(c.id, t) },
      });
      if (title !== undefined) this.o.log?.(`chat ${c.id}: titled`);
    } catch (e) {
      this.o.log?.(`chat ${c.id}: not titled: ${(e as Error).message}`);
    }
  }

  /** What the spending limits are checked against: the settings and every chat this worker holds open. */
  /** Every chat of the workspace, deleted ones included, counts against the spending limits. */
  private readonly spendChats: SpendChats;
  private async spendInput() {
    return { settings: this.o.settings?.() ?? null, chats: await this.spendChats(), now: this.now() };
  }

  private readonly spendGate: SpendGate = async (next) => spendCheck(await this.spendInput(), next);

  /**
   * An attempt failed: try again later when that may help and attempts are left, else end the turn.
   * Once part of the answer reached the chat, or a tool ran, the attempt is not repeated: the partial
   * answer stays and the user may ask again (a repeat would show the answer twice or run tools twice).
   */
  private failed(c: OpenChat, turn: MessageId, reply: MessageId, attempt: number, e: unknown, toolsRan: boolean): void {
    const { chat } = c;
    if (c.abort.signal.aborted || chat.isTurnStopped(turn)) return endStopped(chat, turn, this.me);
    if (!chat.claims.holds(turn, this.me)) return;
    const f = describeFailure(e);
    const max = this.retry.maxAttempts;
    if (!f.retryable) return this.fail(chat, turn, reply, f.message);
    if (toolsRan || (chat.message(reply)?.content ?? '') !== '') return this.fail(chat, turn, reply, `${f.message} (after part of the answer; not repeated)`);
    if (attempt >= max) return this.fail(chat, turn, reply, `${f.message} (gave up after ${attempt} attempts)`);
    const delay = turnRetryDelay(attempt, this.retry, f.retryAfterMs);
    chat.setStatus(reply, 'error', clip(`${f.message} (attempt ${attempt} of ${max}; trying again in ${Math.ceil(delay / 1000)} s)`));
    chat.claims.backOff(turn, this.me, this.now() + delay);
  }

  private fail(chat: Chat, turn: MessageId, reply: MessageId, reason: string): void {
    const text = failTurn(chat, turn, reply, this.me, reason);
    this.answered++;
    this.o.log?.(`turn ${turn}: failed: ${text}`);
  }

  /** Says it is leaving (it takes no new turns), lets answers in progress finish or abort, and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.self?.stop();
    await Promise.allSettled([...this.running]);
  }
}
