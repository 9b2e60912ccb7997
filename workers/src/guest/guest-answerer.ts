/**
 * Answers guest conversations as the link's agent, on a worker or in the
 * browser runner. Each visitor message is answered once across all of the
 * owner's runners: a runner appends a claim and answers only while it holds
 * the message (the shared claim protocol, crdt-schema guest-claims.ts: the
 * first claim in the log, a lease renewed while answering, taken over by
 * another runner once it runs out). The agent runs with the tools both the
 * agent lists and the link allows for guests (none by default), the
 * conversation so far as its history (the visitor's memory across visits),
 * and the link's daily token budget per visitor. Connections are outbound
 * only: the runner dials the relay like every peer.
 */
import type { GuestOwner, ConversationFeed, OwnerLinkKeys, GuestLogEntry } from '@tendril/crdt-schema/guest';
import { claimant, GUEST_CLAIM_LEASE_MS, guestTurns, nextGuestClaimStep, tokensSince } from '@tendril/crdt-schema/guest';
import type { Agent, GuestLinkSettings, ModelRef } from '@tendril/crdt-schema/schema';
import type { DeviceId } from '@tendril/crdt-schema/ids';
import type { ChatMessage, LlmEvent } from '../llm/index.ts';
import type { ChosenProvider } from '../agent/provider-setup.ts';
import { toolLoop } from '../tools/tool-loop.ts';
import type { Toolbox } from '../tools/tool.ts';

export interface GuestAnswererDeps {
  readonly owner: GuestOwner;
  readonly me: DeviceId;
  /** The settings entry of a link (read afresh for each answer: limits and agent may change). */
  readonly linkEntry: (link: string) => GuestLinkSettings | undefined;
  readonly agent: (entry: GuestLinkSettings) => Agent | undefined;
  readonly chooseProvider: (prefer?: ModelRef) => ChosenProvider | null;
  /** The toolbox for an agent listing `tools` (each still gated by its grants); absent: no tools on this runner. */
  readonly tools?: (agent: Pick<Agent, 'id' | 'tools'>) => Toolbox | undefined;
  /** How long a claim holds unless renewed (GUEST_CLAIM_LEASE_MS). */
  readonly leaseMs?: number;
  readonly workspacePrompt: () => string | undefined;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

const DAY = 86_400_000;
const LIVE_EVERY_MS = 50;
const GUEST_NOTE = 'You are talking with a guest of the workspace owner through a shared link. The guest has no account and no access to the workspace; do not reveal anything about it.';

export class GuestAnswerer {
  private readonly busy = new Set<ConversationFeed>();
  private readonly wakeups = new Map<ConversationFeed, ReturnType<typeof setTimeout>>();
  private readonly leaseMs: number;
  private stopped = false;
  private readonly links = new Map<string, OwnerLinkKeys>();

  constructor(private readonly d: GuestAnswererDeps) {
    this.leaseMs = d.leaseMs ?? GUEST_CLAIM_LEASE_MS;
    d.owner.onChange((feed, keys) => {
      this.links.set(keys.link, keys);
      void this.consider(feed, keys);
    });
  }

  /** Starts following a link's visitors (and answers what waits), announced to the relay as answering them. */
  async watch(keys: OwnerLinkKeys): Promise<void> {
    await this.d.owner.watch(keys, true);
  }

  /** Looks at every followed conversation again (the settings changed: a model may be there now). */
  rescan(): void {
    for (const [id, feed] of this.d.owner.feeds) {
      const keys = this.links.get(id.slice(0, id.indexOf('/')));
      if (keys) void this.consider(feed, keys);
    }
  }

  /** Stops the timers that look again at messages held by other runners. */
  stop(): void {
    this.stopped = true;
    for (const t of this.wakeups.values()) clearTimeout(t);
    this.wakeups.clear();
  }

  private async consider(feed: ConversationFeed, keys: OwnerLinkKeys): Promise<void> {
    if (this.busy.has(feed) || this.stopped) return;
    this.busy.add(feed);
    clearTimeout(this.wakeups.get(feed));
    this.wakeups.delete(feed);
    try {
      for (;;) {
        const step = nextGuestClaimStep(feed.log, this.d.me, this.d.now(), this.leaseMs);
        if (step.kind === 'idle') return;
        if (step.kind === 'wait') {
          // Another runner holds what waits: look again when its lease runs out (it may have died).
          this.wakeups.set(feed, setTimeout(() => void this.consider(feed, keys), Math.max(0, step.at - this.d.now()) + 10));
          return;
        }
        if (step.kind === 'claim') {
          // A runner without a model for the link's agent leaves the message to one that has it (it waits).
          if (!this.canAnswer(keys)) return;
          await feed.append({ t: 'claim', for: step.msg.id, at: this.d.now() });
          continue; // the log decides whether this claim came first
        }
        await this.answer(feed, keys, step.msg.id, step.msg.text);
      }
    } catch (e) {
      this.d.log(`guest ${keys.link}: ${(e as Error).message}`);
    } finally {
      this.busy.delete(feed);
    }
  }

  private canAnswer(keys: OwnerLinkKeys): boolean {
    const entry = this.d.linkEntry(keys.link);
    if (!entry || entry.endedAt !== 0) return true; // the answer is a refusal
    return this.d.chooseProvider(preferOf(this.d.agent(entry))) !== null;
  }

  private async answer(feed: ConversationFeed, keys: OwnerLinkKeys, id: string, text: string): Promise<void> {
    const entry = this.d.linkEntry(keys.link);
    const now = this.d.now();
    const refuse = (why: string) => feed.append({ t: 'refusal', for: id, text: why, at: now });
    if (!entry || entry.endedAt !== 0) return void (await refuse('This link was ended by its owner.'));
    const since = now - (now % DAY);
    if (entry.dailyTokens > 0 && tokensSince(feed.log, since) >= entry.dailyTokens) {
      return void (await refuse('The daily limit of this conversation is reached; try again tomorrow.'));
    }
    const agent = this.d.agent(entry);
    const chosen = this.d.chooseProvider(preferOf(agent));
    if (!chosen) return void (await refuse('The agent has no model configured.'));
    const system = [this.d.workspacePrompt() ?? '', agent?.systemPrompt ?? '', GUEST_NOTE].filter((p) => p.trim() !== '').join('\n\n');
    const messages: ChatMessage[] = [{ role: 'system', content: system }, ...history(feed.log, id, text)];
    const toolbox = guestToolbox(this.d.tools, agent, entry);
    // The claim is renewed while the model works, so a long answer is not taken over.
    const renew = setInterval(() => void feed.append({ t: 'claim', for: id, at: this.d.now() }).catch(() => undefined), Math.max(50, Math.floor(this.leaseMs / 3)));
    try {
      // The text streams to the visitor as it comes (ephemeral Stream frames, at most every LIVE_EVERY_MS).
      let text = '';
      let usage = 0;
      let sentAt = 0;
      const events: AsyncIterable<LlmEvent> = toolbox
        ? toolLoop({ provider: chosen.provider, model: chosen.model, messages, toolbox, onToolResult: (call) => this.d.log(`guest ${keys.link}: tool ${call.name}`) })
        : chosen.provider.stream({ model: chosen.model, messages });
      for await (const e of events) {
        if (e.type === 'text') {
          text += e.text;
          if (this.d.now() - sentAt >= LIVE_EVERY_MS) {
            sentAt = this.d.now();
            feed.sendLive(id, text.slice(0, 16_000));
          }
        } else if (e.type === 'usage') {
          usage = e.inputTokens + e.outputTokens;
        }
      }
      clearInterval(renew);
      // A runner that lost its lease (it stalled past it) leaves the answer to the runner that took over.
      if (claimant(feed.log, id, this.leaseMs) !== this.d.me) return this.d.log(`guest ${keys.link}: another runner took message ${id} over`);
      const tokens = usage;
      await feed.append({ t: 'reply', for: id, text: text.slice(0, 16_000), at: this.d.now(), tokens });
      this.d.log(`guest ${keys.link}: answered as ${agent?.name ?? 'the default agent'} (${tokens} tokens)`);
    } catch (e) {
      this.d.log(`guest ${keys.link}: the model failed: ${(e as Error).message}`);
      await refuse('The agent could not answer just now; please try again.');
    } finally {
      clearInterval(renew);
    }
  }
}

const preferOf = (agent: Agent | undefined): ModelRef | undefined => (agent?.provider && agent.model ? { provider: agent.provider, model: agent.model } : undefined);

/** The tools of a guest turn: those the agent lists and the link allows for guests; none when either list is empty. */
export function guestToolbox(tools: GuestAnswererDeps['tools'], agent: Agent | undefined, entry: Pick<GuestLinkSettings, 'tools'>): Toolbox | undefined {
  if (!tools || !agent) return undefined;
  const allowed = agent.tools.filter((t) => entry.tools.includes(t));
  return allowed.length > 0 ? tools({ id: agent.id, tools: allowed }) : undefined;
}

/** The conversation up to message `id` as chat history: the visitor's turns as user, the agent's as assistant. */
function history(log: readonly GuestLogEntry[], id: string, text: string): ChatMessage[] {
  const upTo = log.findIndex((e) => e.fromVisitor && e.payload.t === 'msg' && e.payload.id === id);
  const turns = guestTurns(upTo >= 0 ? log.slice(0, upTo) : log);
  return [...turns.map((t): ChatMessage => (t.role === 'visitor' ? { role: 'user', content: t.text } : { role: 'assistant', content: t.text })), { role: 'user', content: text }];
}
