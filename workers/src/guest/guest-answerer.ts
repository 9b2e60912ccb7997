/**
 * Answers guest conversations as the link's agent, on a worker (or any
 * runner of the owner). Each visitor message is answered once across all of
 * the owner's runners: a runner appends a claim and answers only when its
 * claim is the first for that message in the conversation's log (the relay's
 * seq order, the same for every reader). The agent runs with the link's
 * tools only (none by default: this runner offers no tool to guests), the
 * conversation so far as its history (the visitor's memory across visits),
 * and the link's daily token budget per visitor. Connections are outbound
 * only: the runner dials the relay like every peer.
 */
import type { GuestOwner, ConversationFeed, OwnerLinkKeys, GuestLogEntry } from '@tendril/crdt-schema/guest';
import { claimant, guestTurns, pendingMessages, tokensSince } from '@tendril/crdt-schema/guest';
import type { Agent, GuestLinkSettings, ModelRef } from '@tendril/crdt-schema/schema';
import type { DeviceId } from '@tendril/crdt-schema/ids';
import type { ChatMessage } from '../llm/index.ts';
import type { ChosenProvider } from '../agent/provider-setup.ts';

export interface GuestAnswererDeps {
  readonly owner: GuestOwner;
  readonly me: DeviceId;
  /** The settings entry of a link (read afresh for each answer: limits and agent may change). */
  readonly linkEntry: (link: string) => GuestLinkSettings | undefined;
  readonly agent: (entry: GuestLinkSettings) => Agent | undefined;
  readonly chooseProvider: (prefer?: ModelRef) => ChosenProvider | null;
  readonly workspacePrompt: () => string | undefined;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

const DAY = 86_400_000;
const LIVE_EVERY_MS = 50;
const GUEST_NOTE = 'You are talking with a guest of the workspace owner through a shared link. The guest has no account and no access to the workspace; do not reveal anything about it.';

export class GuestAnswerer {
  private readonly busy = new Set<ConversationFeed>();

  constructor(private readonly d: GuestAnswererDeps) {
    d.owner.onChange((feed, keys) => void this.consider(feed, keys));
  }

  /** Starts following a link's visitors (and answers what waits). */
  async watch(keys: OwnerLinkKeys): Promise<void> {
    await this.d.owner.watch(keys);
  }

  private async consider(feed: ConversationFeed, keys: OwnerLinkKeys): Promise<void> {
    if (this.busy.has(feed)) return;
    this.busy.add(feed);
    try {
      for (;;) {
        const next = pendingMessages(feed.log).find((m) => {
          const who = claimant(feed.log, m.id);
          return who === undefined || who === this.d.me;
        });
        if (!next) return;
        if (claimant(feed.log, next.id) === undefined) await feed.append({ t: 'claim', for: next.id, at: this.d.now() });
        if (claimant(feed.log, next.id) !== this.d.me) continue; // another runner's claim came first
        await this.answer(feed, keys, next.id, next.text);
      }
    } catch (e) {
      this.d.log(`guest ${keys.link}: ${(e as Error).message}`);
    } finally {
      this.busy.delete(feed);
    }
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
    const prefer = agent?.provider && agent.model ? { provider: agent.provider, model: agent.model } : undefined;
    const chosen = this.d.chooseProvider(prefer);
    if (!chosen) return void (await refuse('The agent has no model configured.'));
    const system = [this.d.workspacePrompt() ?? '', agent?.systemPrompt ?? '', GUEST_NOTE].filter((p) => p.trim() !== '').join('\n\n');
    const messages: ChatMessage[] = [{ role: 'system', content: system }, ...history(feed.log, id, text)];
    try {
      // The text streams to the visitor as it comes (ephemeral Stream frames, at most every LIVE_EVERY_MS).
      let text = '';
      let usage = 0;
      let sentAt = 0;
      for await (const e of chosen.provider.stream({ model: chosen.model, messages })) {
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
      const tokens = usage;
      await feed.append({ t: 'reply', for: id, text: text.slice(0, 16_000), at: this.d.now(), tokens });
      this.d.log(`guest ${keys.link}: answered as ${agent?.name ?? 'the default agent'} (${tokens} tokens)`);
    } catch (e) {
      this.d.log(`guest ${keys.link}: the model failed: ${(e as Error).message}`);
      await refuse('The agent could not answer just now; please try again.');
    }
  }
}

/** The conversation up to message `id` as chat history: the visitor's turns as user, the agent's as assistant. */
function history(log: readonly GuestLogEntry[], id: string, text: string): ChatMessage[] {
  const upTo = log.findIndex((e) => e.fromVisitor && e.payload.t === 'msg' && e.payload.id === id);
  const turns = guestTurns(upTo >= 0 ? log.slice(0, upTo) : log);
  return [...turns.map((t): ChatMessage => (t.role === 'visitor' ? { role: 'user', content: t.text } : { role: 'assistant', content: t.text })), { role: 'user', content: text }];
}
