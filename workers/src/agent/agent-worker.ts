/**
 * The agent worker: a headless peer that answers every pending user turn of
 * every chat it can read, exactly once even with several workers running. A
 * worker claims a turn with a lease in the chat document, waits until its
 * claim is acknowledged by the relay and a short settle window has passed
 * (concurrent claims resolve to one winner on every peer), answers only if it
 * still holds the claim, renews the lease while streaming, and gives up the
 * moment it loses it. A worker that dies leaves a lease that expires; another
 * worker then answers the turn again.
 */
import { hostname } from 'node:os';
import type { ChatId, DeviceId, MessageId } from '@tendril/crdt-schema/ids';
import type { chatDoc, ChatMessage } from '@tendril/crdt-schema/schema';
import type { DocSync } from '@tendril/crdt-schema/sync';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { answerTurn } from './answer-turn.ts';
import type { Toolbox } from '../tools/tool.ts';
import type { ChosenProvider } from './provider-setup.ts';
import { modelSummarizer, turnContext } from './turn-context.ts';

type Chat = ReturnType<typeof chatDoc>;

export interface AgentWorkerOptions {
  readonly session: WorkspaceSession;
  readonly name: string;
  /** The provider to use for the next turn (flags, or the settings document as it is now). */
  readonly chooseProvider: () => ChosenProvider | null;
  readonly systemPrompt?: () => string | undefined;
  readonly leaseMs?: number;
  readonly settleMs?: number;
  readonly log?: (line: string) => void;
  /** The tools offered to the model for the next turn (none when absent). */
  readonly tools?: () => Toolbox | undefined;
  readonly maxToolRounds?: number;
}

export class AgentWorker {
  private readonly o: AgentWorkerOptions;
  private readonly me: DeviceId;
  private readonly chats = new Map<ChatId, { sync: DocSync; chat: Chat }>();
  private readonly inFlight = new Set<MessageId>();
  private readonly running = new Set<Promise<void>>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private stopped = false;
  private answered = 0;

  constructor(o: AgentWorkerOptions) {
    this.o = o;
    this.me = o.session.home.identity.deviceId;
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
    s.index.ydoc.on('update', () => void this.openChats());
    // Leases expire without any document change: look again regularly.
    this.timer = setInterval(() => this.scanAll(), Math.max(200, Math.floor(this.leaseMs / 3)));
    this.announce();
  }

  private announce(): void {
    try {
      this.o.session.workspace().workers.announce(this.me, {
        name: this.o.name,
        host: hostname(),
        version: '0.1.0',
        health: { status: 'ok', active: this.inFlight.size },
      });
    } catch (e) {
      this.o.log?.(`could not announce: ${(e as Error).message}`);
    }
  }

  private async openChats(): Promise<void> {
    for (const entry of this.o.session.workspace().chats.list()) {
      if (this.chats.has(entry.id) || this.stopped) continue;
      const opened = await this.o.session.openChat(entry.id);
      this.chats.set(entry.id, opened);
      opened.chat.observe(() => this.scan(entry.id));
      this.scan(entry.id);
    }
  }

  private scanAll(): void {
    for (const id of this.chats.keys()) this.scan(id);
  }

  private scan(id: ChatId): void {
    const c = this.chats.get(id);
    if (!c || this.stopped) return;
    for (const turn of c.chat.pendingTurns()) {
      if (this.inFlight.has(turn.id)) continue;
      this.inFlight.add(turn.id);
      const run = this.handle(c, turn)
        .catch((e: unknown) => this.o.log?.(`turn ${turn.id}: ${(e as Error).message}`))
        .finally(() => {
          this.inFlight.delete(turn.id);
          this.running.delete(run);
        });
      this.running.add(run);
    }
  }

  private async handle(c: { sync: DocSync; chat: Chat }, turn: ChatMessage): Promise<void> {
    const { chat, sync } = c;
    if (!chat.claims.claim(turn.id, this.me, this.leaseMs)) return;
    // Our claim must reach the relay, and concurrent claims reach us, before we decide.
    await sync.whenSynced(this.leaseMs);
    await new Promise((r) => setTimeout(r, this.o.settleMs ?? 300));
    if (this.stopped || !chat.claims.holds(turn.id, this.me)) return;

    // A reply left streaming by a worker that died is closed before answering again.
    for (const m of chat.transcript()) {
      if (m.parent === turn.id && m.role === 'assistant' && (m.status === 'streaming' || m.status === 'pending')) {
        chat.setStatus(m.id, 'error', 'interrupted: the worker answering stopped; answered again below');
      }
    }
    const chosen = this.o.chooseProvider();
    const reply = chat.addMessage({ author: this.me, role: 'assistant', status: 'pending', parent: turn.id, ...(chosen ? { model: chosen.model } : {}) });
    const renew = setInterval(() => chat.claims.claim(turn.id, this.me, this.leaseMs), Math.floor(this.leaseMs / 3));
    try {
      if (!chosen) {
        chat.setStatus(reply, 'error', 'no model provider is configured: add one with an API key in Settings');
      } else {
        const messages = await turnContext(chat.transcript(), turn.id, { model: chosen.model, systemPrompt: this.o.systemPrompt?.(), summarize: modelSummarizer(chosen.provider, chosen.model) });
        const tools = this.o.tools?.();
        const outcome = await answerTurn({
          chat, reply, provider: chosen.provider, model: chosen.model, messages, worker: this.me, stillHolds: () => chat.claims.holds(turn.id, this.me),
          ...(tools ? { tools, onToolResult: (call) => this.o.log?.(`turn ${turn.id}: tool ${call.name}`) } : {}),
          ...(this.o.maxToolRounds !== undefined ? { maxToolRounds: this.o.maxToolRounds } : {}),
        });
        this.o.log?.(`turn ${turn.id}: ${outcome}`);
        if (outcome === 'lost') return;
      }
      this.answered++;
      chat.setStatus(turn.id, 'done');
    } finally {
      clearInterval(renew);
      chat.claims.release(turn.id, this.me);
    }
  }

  /** Stops taking turns, lets answers in progress finish or abort, and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.running]);
  }
}
