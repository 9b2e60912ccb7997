/**
 * Answering chat turns from any peer that can reach a model, a browser tab
 * included: the same claim / lease / settle protocol as the agent worker
 * (claim the turn, wait until the claim reached the relay and a settle window
 * passed, answer only while the claim holds, renew the lease while streaming,
 * give up the moment it is lost), with the same bounded attempts and the same
 * end states, so a turn is answered once whoever is online.
 *
 * Unlike a worker, a runner is told which chats to watch (the host keeps them
 * open) and it lets workers go first: a turn is claimed only after it stayed
 * pending and unclaimed for a grace window (none when no worker is online),
 * and a turn this runner cannot route to any provider is left to workers for
 * longer before it ends with the reason (so is a turn whose agent's own model
 * it cannot reach: given back at once, tried here again after that wait). A reply its writer left unfinished
 * (a tab closed, a worker killed: its lease lapsed) is finished in place from
 * the text already written, and marked with who continued it. Node-free: it
 * runs in a page.
 */
import type { ChatId, DeviceId, MessageId } from '@tendril/crdt-schema/ids';
import type { Agent, ChatAttachment, ChatDoc, ChatMessage, ModelRef, SettingsDoc } from '@tendril/crdt-schema/schema';
import type { DocSync } from '@tendril/crdt-schema/sync';
import { liveRepliesFor, type DeviceSigner } from '@tendril/crdt-schema/workspace';
import { waitFor } from './abortable-wait.ts';
import { answerTurn } from './answer-turn.ts';
import { claimAndRunPlan } from './plan-claim.ts';
import { proposePlan } from './plan-propose.ts';
import { runnableHere, type PlanKit } from './plan-run.ts';
import { spendCheck, type SpendGate } from './spend-gate.ts';
import type { SpendChats } from '../usage/spend-chats.ts';
import { titleChat, type TitleSink } from './chat-title.ts';
import { turnAgent, type ProviderChoice } from './turn-agent.ts';
import { modelSummarizer, turnContext } from './turn-context.ts';
import { clip, continuing, endStopped, failTurn, replyFor } from './turn-ending.ts';
import { DEFAULT_TURN_RETRY, describeFailure, turnRetryDelay, type TurnRetryPolicy } from './turn-failure.ts';
import type { Toolbox } from '../tools/tool.ts';
import type { ChosenProvider } from './provider-setup.ts';

/** A chat the host keeps open for the runner. */
export interface RunnerChat {
  readonly id: ChatId;
  readonly sync: DocSync;
  readonly chat: ChatDoc;
}

/**
 * What the runner would call for the next turn: a provider, or why it cannot
 * call one from here (shown on the reply when no worker takes the turn), or
 * null when there is no provider at all (the turn is left to workers).
 */
export type RunnerChoice = ProviderChoice;

export interface TurnRunnerOptions {
  readonly me: DeviceId;
  /** Signs the live reply frames this runner streams; without it replies stream from the stored text only. */
  readonly signer?: DeviceSigner;
  /** The provider chain, with `preferred` (an agent's or the router's model) first when given. */
  readonly chooseProvider: (preferred?: ModelRef) => RunnerChoice;
  /** The settings as they are now: the agents a turn is routed to (see turn-agent.ts); without them, the agent of old. */
  readonly settings?: () => SettingsDoc | null;
  /** Whether a worker is online (the host's roster from presence): then turns wait out the grace windows first. */
  readonly workersKnown: () => boolean;
  /** Wait before claiming a turn a worker may take (default 1 s). */
  readonly graceMs?: number;
  /** Wait before ending a turn this runner cannot route, when workers are known (default 15 s). */
  readonly unroutableGraceMs?: number;
  /** Further wait before claiming a turn another device wrote, so the tab it was typed in answers it (default 1 s). */
  readonly otherDeviceGraceMs?: number;
  readonly systemPrompt?: () => string | undefined;
  readonly leaseMs?: number;
  readonly settleMs?: number;
  readonly retry?: Partial<TurnRetryPolicy>;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
  /** Runs approved plans (an agent's listed tools and its activity log); null or absent: plans are proposed here but run elsewhere. */
  readonly plans?: () => PlanKit | null;
  /** The tools an agent may use now (undefined: the agent of old). */
  readonly tools?: (agent: Agent | undefined) => Toolbox | undefined;
  /** The chat's entry in the workspace index, to title it after its first reply (chat-title.ts); absent or null: not titled here. */
  readonly titles?: (chat: ChatId) => TitleSink | null;
  /** Opens a chat's attachment (its plaintext), so images and text files reach the model; absent: they are only named. */
  readonly attachments?: (chat: ChatId, ref: ChatAttachment) => Promise<Uint8Array>;
  /**
   * Every chat whose recorded usage counts against the spending limits, deleted ones included
   * (usage/spend-chats.ts); without it only the chats this runner watches count.
   */
  readonly spendChats?: SpendChats;
  /** Told when this runner starts and stops writing a reply. */
  readonly onAnswering?: (reply: MessageId, answering: boolean) => void;
}



/** A chat is looked at on change at most this often (a streaming reply changes it many times a second). */
const SCAN_EVERY_MS = 100;

interface Watched extends RunnerChat {
  readonly unobserve: () => void;
  readonly abort: AbortController;
}

export class TurnRunner {
  private readonly o: TurnRunnerOptions;
  private readonly retry: TurnRetryPolicy;
  private readonly now: () => number;
  private readonly chats = new Map<ChatId, Watched>();
  private readonly inFlight = new Set<MessageId>();
  private readonly unwritable = new Set<MessageId>();
  /** Turns left to workers because their agent's model is out of this runner's reach: until when. */
  private readonly deferred = new Map<MessageId, number>();
  /** When this runner first saw each turn pending and unclaimed. */
  private readonly firstSeen = new Map<MessageId, number>();
  private readonly wakeups = new Map<MessageId, ReturnType<typeof setTimeout>>();
  private readonly lastScan = new Map<ChatId, number>();
  private readonly trailing = new Map<ChatId, ReturnType<typeof setTimeout>>();
  private readonly running = new Set<Promise<void>>();
  /** Turns this runner holds a claim on right now, with their chat. */
  private readonly holding = new Map<MessageId, ChatDoc>();
  private readonly timer: ReturnType<typeof setInterval>;
  private stopped = false;

  constructor(o: TurnRunnerOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
    this.retry = { ...DEFAULT_TURN_RETRY, baseDelayMs: this.leaseMs, ...o.retry };
    // Leases, backoffs and grace windows end without any document change: look again regularly.
    this.timer = setInterval(() => this.scanAll(), Math.max(200, Math.floor(this.leaseMs / 3)));
  }

  get leaseMs(): number {
    return this.o.leaseMs ?? 15_000;
  }

  /** Starts answering the chat's turns; the returned function stops (and aborts the work on it). */
  watch(c: RunnerChat): () => void {
    if (this.stopped || this.chats.has(c.id)) return () => {};
    const watched: Watched = { ...c, unobserve: c.chat.observe(() => this.scanSoon(c.id)), abort: new AbortController() };
    this.chats.set(c.id, watched);
    this.scan(c.id);
    return () => {
      if (this.chats.get(c.id) !== watched) return;
      this.chats.delete(c.id);
      clearTimeout(this.trailing.get(c.id));
      this.trailing.delete(c.id);
      watched.unobserve();
      watched.abort.abort();
    };
  }

  /** Looks at every chat again now (e.g. after the provider settings changed). */
  scanAll(): void {
    for (const id of this.chats.keys()) this.scan(id);
  }

  /** Scans on a change: at once, or at the end of the current SCAN_EVERY_MS window when one just ran. */
  private scanSoon(id: ChatId): void {
    const since = Date.now() - (this.lastScan.get(id) ?? 0);
    if (since >= SCAN_EVERY_MS) return this.scan(id);
    if (this.trailing.has(id)) return;
    this.trailing.set(id, setTimeout(() => {
      this.trailing.delete(id);
      this.scan(id);
    }, SCAN_EVERY_MS - since));
  }

  /** The wait before this runner claims a turn, for what it would do with it. */
  private graceFor(choice: RunnerChoice): number | null {
    if (choice === null) return null;
    if (!this.o.workersKnown()) return 0;
    return 'error' in choice ? (this.o.unroutableGraceMs ?? 15_000) : (this.o.graceMs ?? 1_000);
  }

  private scan(id: ChatId): void {
    const c = this.chats.get(id);
    if (!c || this.stopped || c.abort.signal.aborted) return;
    this.lastScan.set(id, Date.now());
    const pending = c.chat.pendingTurns();
    const kit = this.o.plans?.() ?? null;
    if (pending.length === 0 && (!kit || c.chat.runnablePlans().length === 0)) return;
    const grace = this.graceFor(this.o.chooseProvider());
    if (grace === null) return;
    const now = this.now();
    for (const turn of pending) {
      if (this.inFlight.has(turn.id) || this.unwritable.has(turn.id)) continue;
      const deferredUntil = this.deferred.get(turn.id);
      if (deferredUntil !== undefined && now < deferredUntil) {
        this.wakeAt(turn.id, id, deferredUntil - now);
        continue;
      }
      const seen = this.firstSeen.get(turn.id) ?? now;
      this.firstSeen.set(turn.id, seen);
      // The tab the turn was typed in goes first; another open device of the owner takes it after a while.
      const wait = grace + (turn.author === this.o.me ? 0 : (this.o.otherDeviceGraceMs ?? 1_000));
      if (now - seen < wait) {
        this.wakeAt(turn.id, id, seen + wait - now);
        continue;
      }
      this.start(c, turn);
    }
    if (kit) for (const reply of c.chat.runnablePlans()) this.maybeRunPlan(c, reply, kit, grace, now);
  }

  /**
   * An approved plan: claimed after the same grace as a turn (a worker, which can reach terminals, goes
   * first), and only when this runner can offer every tool its remaining steps need.
   */
  private maybeRunPlan(c: Watched, reply: ChatMessage, kit: PlanKit, grace: number, now: number): void {
    if (this.inFlight.has(reply.id)) return;
    // A plan with a step this runner cannot offer the tool for (a command, in a tab) waits for a worker.
    const agent = reply.agent ? this.o.settings?.()?.agents.get(reply.agent.id) : undefined;
    if (reply.plan && !runnableHere(reply.plan, agent, kit.tools(agent))) return;
    const seen = this.firstSeen.get(reply.id) ?? now;
    this.firstSeen.set(reply.id, seen);
    if (now - seen < grace) return this.wakeAt(reply.id, c.id, seen + grace - now);
    this.inFlight.add(reply.id);
    const run = claimAndRunPlan({
      chat: c.chat, sync: c.sync, reply, me: this.o.me, leaseMs: this.leaseMs, settleMs: this.o.settleMs ?? 300,
      settings: this.o.settings?.() ?? null, kit, choose: this.o.chooseProvider, signal: c.abort.signal, spend: this.spendGate, ...(this.o.log ? { log: this.o.log } : {}),
    })
      .catch((e: unknown) => this.o.log?.(`plan ${reply.id}: ${(e as Error).message}`))
      .finally(() => {
        this.inFlight.delete(reply.id);
        this.running.delete(run);
      });
    this.running.add(run);
  }

  private wakeAt(turn: MessageId, chat: ChatId, ms: number): void {
    if (this.wakeups.has(turn)) return;
    this.wakeups.set(turn, setTimeout(() => {
      this.wakeups.delete(turn);
      this.scan(chat);
    }, ms));
  }

  private start(c: Watched, turn: ChatMessage): void {
    this.inFlight.add(turn.id);
    const run = this.handle(c, turn)
      .catch((e: unknown) => {
        // Only reached when not even the failure could be written: leave this turn alone here.
        this.unwritable.add(turn.id);
        this.o.log?.(`turn ${turn.id}: ${(e as Error).message}`);
      })
      .finally(() => {
        this.inFlight.delete(turn.id);
        this.running.delete(run);
      });
    this.running.add(run);
  }

  private async handle(c: Watched, turn: ChatMessage): Promise<void> {
    const { chat, sync } = c;
    const me = this.o.me;
    if (chat.isTurnStopped(turn.id)) return this.endStopped(chat, turn.id);
    if (!chat.claims.claim(turn.id, me, this.leaseMs)) return;
    try {
      // Our claim must reach the relay, and concurrent claims reach us, before we decide.
      await sync.whenSynced(this.leaseMs);
    } catch (e) {
      this.o.log?.(`turn ${turn.id}: claim not synced (${(e as Error).message}); given back`);
      chat.claims.backOff(turn.id, me, this.now());
      return;
    }
    await waitFor(this.o.settleMs ?? 300, c.abort.signal);
    if (!chat.claims.holds(turn.id, me)) return;
    if (this.stopped || c.abort.signal.aborted) return chat.claims.backOff(turn.id, me, this.now());

    const renew = setInterval(() => {
      try {
        chat.claims.claim(turn.id, me, this.leaseMs);
      } catch (e) {
        this.o.log?.(`turn ${turn.id}: lease not renewed: ${(e as Error).message}`);
      }
    }, Math.floor(this.leaseMs / 3));
    let attempt = 0;
    let reply: MessageId | undefined;
    let toolsRan = false;
    // Set once the turn is answered: the chat is titled after the claim is let go (chat-title.ts).
    let titleAfter: { reply: MessageId; chosen: ChosenProvider; signal: AbortSignal } | undefined;
    this.holding.set(turn.id, chat);
    try {
      attempt = chat.claims.beginAttempt(turn.id, me);
      if (attempt === 0) return;
      if (chat.isTurnStopped(turn.id)) return this.endStopped(chat, turn.id);
      if (attempt > this.retry.maxAttempts) {
        reply = chat.repliesTo(turn.id).at(-1)?.id ?? replyFor(chat, turn.id, this.o.me, undefined).id;
        return this.fail(chat, turn.id, reply, `gave up after ${attempt - 1} attempts: the peer answering it stopped each time`);
      }
      const target = replyFor(chat, turn.id, this.o.me, undefined);
      reply = target.id;
      this.o.onAnswering?.(reply, true);
      const signal = c.abort.signal;
      const overLimit = spendCheck(await this.spendInput());
      if (overLimit) return this.fail(chat, turn.id, reply, overLimit);
      const picked = await turnAgent({
        settings: this.o.settings?.() ?? null, chat, turn, reply: target, choose: this.o.chooseProvider, signal, spend: this.spendGate,
        ...(this.o.tools ? { tools: this.o.tools } : {}), ...(this.o.systemPrompt ? { systemPrompt: this.o.systemPrompt } : {}), ...(this.o.log ? { log: this.o.log } : {}),
      });
      const chosen = picked.choice;
      const provider = chosen !== null && 'provider' in chosen ? chosen : null;
      if (!provider) {
        const reason = chosen !== null && 'error' in chosen ? chosen.error : 'no model provider is configured: add one with an API key in Settings';
        // The agent's model is out of this runner's reach (a tab and Gemini): a worker may reach it, so the
        // turn goes back to be taken at once by a worker, and this runner tries it again only after a while.
        if (chosen !== null && 'error' in chosen && this.o.workersKnown() && !this.deferred.has(turn.id)) {
          this.deferred.set(turn.id, this.now() + (this.o.unroutableGraceMs ?? 15_000));
          chat.setStatus(reply, 'error', clip(`${reason} (left to a worker)`));
          chat.claims.backOff(turn.id, me, this.now());
          return;
        }
        return this.fail(chat, turn.id, reply, reason);
      }
      chat.setModel(reply, provider.model);
      if (picked.agent) this.o.log?.(`turn ${turn.id}: answering as ${picked.agent.name}${picked.note ? ` (${picked.note.via})` : ''}`);
      const open = this.o.attachments;
      const messages = await turnContext(chat.transcript(), turn.id, {
        model: provider.model, systemPrompt: picked.systemPrompt, summarize: modelSummarizer(provider.provider, provider.model, signal),
        ...(open ? { attachments: (ref: ChatAttachment) => open(c.id, ref) } : {}),
      });
      continuing(messages, target);
      const pastLimit = spendCheck(await this.spendInput(), { model: provider.model, messages });
      if (pastLimit) return this.fail(chat, turn.id, reply, pastLimit);
      const tools = picked.tools;
      const result = chat.wantsPlan(turn.id)
        ? await proposePlan({
          chat, reply, provider: provider.provider, model: provider.model, messages, signal, ...(tools ? { tools } : {}), ...(picked.temperature !== undefined ? { temperature: picked.temperature } : {}),
          agents: (this.o.settings?.()?.agents.list() ?? []).filter((a) => a.id !== picked.agent?.id), stillHolds: () => chat.claims.holds(turn.id, me),
        })
        : await answerTurn({
          chat, reply, provider: provider.provider, model: provider.model, messages, worker: me, ...(picked.temperature !== undefined ? { temperature: picked.temperature } : {}), stillHolds: () => chat.claims.holds(turn.id, me), stillWriter: () => chat.claims.get(turn.id)?.worker === me, signal, ...(this.o.signer ? { live: liveRepliesFor(c.sync, chat, this.o.signer) } : {}),
          ...(tools ? { tools, onToolResult: (call) => { toolsRan = true; this.o.log?.(`turn ${turn.id}: tool ${call.name}`); } } : {}),
        });
      this.o.log?.(`turn ${turn.id}: ${result.outcome} (attempt ${attempt})`);
      if (result.outcome === 'lost') return;
      if (result.outcome === 'error') return this.failed(c, turn.id, reply, attempt, result.error, toolsRan);
      chat.setStatus(turn.id, 'done');
      chat.claims.release(turn.id, me);
      if (result.outcome === 'done' && !chat.wantsPlan(turn.id)) titleAfter = { reply, chosen: provider, signal };
    } catch (e) {
      this.o.log?.(`turn ${turn.id}: attempt ${attempt} failed: ${(e as Error).message}`);
      if (reply === undefined) reply = replyFor(chat, turn.id, this.o.me, undefined).id;
      this.failed(c, turn.id, reply, attempt, e, toolsRan);
    } finally {
      clearInterval(renew);
      this.holding.delete(turn.id);
      if (reply !== undefined) this.o.onAnswering?.(reply, false);
    }
    if (titleAfter) await this.title(c, turn.id, titleAfter.reply, titleAfter.chosen, titleAfter.signal);
  }

  /** Titles the chat after its first reply (chat-title.ts); a failure is logged and changes nothing else. */
  private async title(c: Watched, turn: MessageId, reply: MessageId, chosen: ChosenProvider, signal: AbortSignal): Promise<void> {
    const sink = this.o.titles?.(c.id);
    if (!sink) return;
    try {
      const title = await titleChat({ chat: c.chat, turn, reply, provider: chosen.provider, model: chosen.model, sink, signal });
      if (title !== undefined) this.o.log?.(`chat ${c.id}: titled`);
    } catch (e) {
      this.o.log?.(`chat ${c.id}: not titled: ${(e as Error).message}`);
    }
  }

  /** What the spending limits are checked against: the settings and every chat this runner watches. */
  /** What the limits are checked against: every chat of `spendChats` when given, else the chats watched here. */
  private async spendInput() {
    return { settings: this.o.settings?.() ?? null, chats: this.o.spendChats ? await this.o.spendChats() : [...this.chats.values()], now: this.now() };
  }

  private readonly spendGate: SpendGate = async (next) => spendCheck(await this.spendInput(), next);

  /** An attempt failed: try again later when that may help and attempts are left, else end the turn. */
  private failed(c: Watched, turn: MessageId, reply: MessageId, attempt: number, e: unknown, toolsRan: boolean): void {
    const { chat } = c;
    if (c.abort.signal.aborted || chat.isTurnStopped(turn)) return this.endStopped(chat, turn);
    if (!chat.claims.holds(turn, this.o.me)) return;
    const f = describeFailure(e);
    const max = this.retry.maxAttempts;
    if (!f.retryable) return this.fail(chat, turn, reply, f.message);
    if (toolsRan || (chat.message(reply)?.content ?? '') !== '') return this.fail(chat, turn, reply, `${f.message} (after part of the answer; not repeated)`);
    if (attempt >= max) return this.fail(chat, turn, reply, `${f.message} (gave up after ${attempt} attempts)`);
    const delay = turnRetryDelay(attempt, this.retry, f.retryAfterMs);
    chat.setStatus(reply, 'error', clip(`${f.message} (attempt ${attempt} of ${max}; trying again in ${Math.ceil(delay / 1000)} s)`));
    chat.claims.backOff(turn, this.o.me, this.now() + delay);
  }

  /** Ends the turn as failed: the reason on the reply and on the turn; it is not picked up again. */
  private fail(chat: ChatDoc, turn: MessageId, reply: MessageId, reason: string): void {
    const text = failTurn(chat, turn, reply, this.o.me, reason);
    this.o.log?.(`turn ${turn}: failed: ${text}`);
  }

  /** Stop was pressed (or the chat closed): unfinished replies end stopped and the turn is over. */
  private endStopped(chat: ChatDoc, turn: MessageId): void {
    endStopped(chat, turn, this.o.me);
  }

  /**
   * Gives every turn this runner is answering back at once (the page is going away): the answers in
   * progress end as lost, their replies stay as far as they got, and the next peer to take a turn
   * finishes its reply from there. Best effort: a page that dies first leaves leases that lapse.
   */
  giveBack(): void {
    for (const [turn, chat] of this.holding) {
      try {
        chat.claims.backOff(turn, this.o.me, this.now());
      } catch (e) {
        this.o.log?.(`turn ${turn}: not given back: ${(e as Error).message}`);
      }
    }
  }

  /** Stops taking turns, gives the ones in progress back (see giveBack) and waits for them to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    for (const t of [...this.wakeups.values(), ...this.trailing.values()]) clearTimeout(t);
    this.wakeups.clear();
    this.trailing.clear();
    this.giveBack();
    // Given-back answers end at once; one still waiting for its claim to sync is cut short below.
    await Promise.race([Promise.allSettled([...this.running]), new Promise((r) => setTimeout(r, 2_000))]);
    for (const c of this.chats.values()) {
      c.unobserve();
      c.abort.abort();
    }
    this.chats.clear();
  }
}
