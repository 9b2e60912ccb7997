/**
 * Which agent answers a chat turn. An `@name` of a known agent in the
 * message decides (the first one, wherever it stands); else a chat for one
 * agent is answered by it; else (an `auto` chat) a small, cheap router model
 * is shown the agents' names and descriptions and the message, and names one
 * agent with a short reason. Whatever goes wrong there (no router model, a
 * failed call, an answer naming no known agent) ends with the default agent
 * and a note saying why: routing never fails a turn and never runs an agent
 * that is not in the workspace. Node-free: it runs in a page too.
 */
import type { Agent, ChatTarget, RouteNote } from '@tendril/crdt-schema/schema';
import { collect, estimateCost, type LlmProvider } from '../llm/index.ts';

export interface RouterModel {
  readonly provider: LlmProvider;
  readonly model: string;
}

export interface RoutingInput {
  /** The user's message. */
  readonly text: string;
  /** The workspace's agents (at least one). */
  readonly agents: readonly Agent[];
  /** What the chat targets; undefined: the default agent. */
  readonly target: ChatTarget | undefined;
  readonly defaultAgent: Agent;
  /** The router model to ask in an auto chat; null when none can be called. */
  readonly router: () => RouterModel | null;
  readonly signal?: AbortSignal;
}

export interface Routed {
  readonly agent: Agent;
  /** Shown above the reply when routing chose (always, but for a chat for one agent with no @name). */
  readonly note?: RouteNote;
}

const MAX_REASON = 200;
const MAX_ROUTED_TEXT = 4000;
const MENTION = /(?:^|[^\p{L}\p{N}_.@-])@([\p{L}\p{N}][\p{L}\p{N}_.-]{0,39})/gu;

const clip = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
const lower = (s: string): string => s.toLowerCase();

/** The first `@name` in the text that names one of the agents (names compare without case). */
export function mentionedAgent(text: string, agents: readonly Agent[]): Agent | undefined {
  for (const m of text.matchAll(MENTION)) {
    // A trailing dot is punctuation ("ask @Coder."), not part of the name.
    const name = lower(m[1]!).replace(/\.+$/, '');
    const agent = agents.find((a) => lower(a.name) === name);
    if (agent) return agent;
  }
  return undefined;
}

/** The router's instructions: the agents by name and description, and the answer's shape. */
export function routerPrompt(agents: readonly Agent[]): string {
  const list = agents.map((a) => `- ${a.name}: ${clip(a.description.replace(/\s+/g, ' ').trim() || '(no description)', 300)}`).join('\n');
  return [
    'You route a user\'s message to the one agent best suited to answer it. The agents:',
    list,
    'Answer with JSON only, no other text: {"agent": "<one name from the list>", "reason": "<why, in at most ten words>"}',
  ].join('\n');
}

/** The agent and reason a router answer names; `agent` is undefined when it names none of them. */
export function parseRouterAnswer(answer: string, agents: readonly Agent[]): { agent?: Agent; named: string; reason: string } {
  const json = /\{[\s\S]*\}/.exec(answer)?.[0];
  let named = '';
  let reason = '';
  if (json !== undefined) {
    try {
      const v = JSON.parse(json) as { agent?: unknown; reason?: unknown };
      if (typeof v.agent === 'string') named = v.agent.trim();
      if (typeof v.reason === 'string') reason = v.reason.trim();
    } catch {
      // Not JSON after all: read it as "Name: reason" below.
    }
  }
  if (named === '') {
    const line = answer.trim().split('\n')[0] ?? '';
    const colon = line.indexOf(':');
    named = (colon > 0 ? line.slice(0, colon) : line).replace(/^[\s@"*`]+|[\s"*`.]+$/g, '');
    if (colon > 0) reason = line.slice(colon + 1).trim();
  }
  named = named.replace(/^@/, '');
  const agent = agents.find((a) => lower(a.name) === lower(named));
  return { ...(agent ? { agent } : {}), named: clip(named, 60), reason: clip(reason.replace(/\s+/g, ' '), MAX_REASON) };
}

const fallback = (agent: Agent, reason: string, extra: Partial<RouteNote> = {}): Routed => ({
  agent,
  note: { agent: agent.id, name: agent.name, via: 'fallback', reason: clip(reason, MAX_REASON), ...extra },
});

export async function routeTurn(i: RoutingInput): Promise<Routed> {
  const mentioned = mentionedAgent(i.text, i.agents);
  if (mentioned) return { agent: mentioned, note: { agent: mentioned.id, name: mentioned.name, via: 'mention', reason: `named with @${mentioned.name}` } };
  if (i.target !== 'auto') {
    const chosen = i.target === undefined ? i.defaultAgent : i.agents.find((a) => a.id === i.target);
    return chosen ? { agent: chosen } : fallback(i.defaultAgent, 'the chat\'s agent was removed');
  }
  if (i.agents.length === 1) return { agent: i.agents[0]! };
  const router = i.router();
  if (!router) return fallback(i.defaultAgent, 'no router model can be called');
  let answer: Awaited<ReturnType<typeof collect>>;
  try {
    answer = await collect(router.provider.stream({
      model: router.model,
      maxTokens: 200,
      messages: [{ role: 'system', content: routerPrompt(i.agents) }, { role: 'user', content: clip(i.text, MAX_ROUTED_TEXT) }],
    }, i.signal ? { signal: i.signal } : {}));
  } catch (e) {
    if (i.signal?.aborted === true) throw e;
    return fallback(i.defaultAgent, `the router failed: ${clip(e instanceof Error ? e.message : String(e), 120)}`, { model: router.model });
  }
  const usage = answer.usage ? { ...answer.usage, costUsd: estimateCost(router.model, answer.usage) ?? 0 } : undefined;
  const spent = { model: router.model, ...(usage ? { usage } : {}) };
  const picked = parseRouterAnswer(answer.text, i.agents);
  if (!picked.agent) return fallback(i.defaultAgent, `the router named no known agent (${picked.named ? `"${picked.named}"` : 'an empty answer'})`, spent);
  return { agent: picked.agent, note: { agent: picked.agent.id, name: picked.agent.name, via: 'router', reason: picked.reason || 'picked by the router', ...spent } };
}
