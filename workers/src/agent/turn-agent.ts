/**
 * The agent an attempt at a turn answers as, and what that gives it: the
 * model (the agent's own, else the workspace default), the system prompt
 * (the workspace's, then the agent's), and the tools (the agent's list,
 * narrowed to what is granted to it). The choice is written on the reply
 * (its agent, and the routing note when routing chose) before the model is
 * called. A reply another peer left unfinished is finished by the agent that
 * began it. An agent with `delegate` on its list also gets the tool that
 * hands a sub-task to another agent (delegation.ts), with a budget for the
 * turn. The chat's own options (chat-options.ts) come first: its model over
 * the agent's, its system prompt in place of the workspace's (the agent's
 * still follows), and its temperature. Shared by the worker and the browser
 * runner; Node-free.
 */
import type { Agent, ChatDoc, ChatMessage, ModelRef, RouteNote, SettingsDoc } from '@tendril/crdt-schema/schema';
import type { Toolbox } from '../tools/tool.ts';
import type { ChosenProvider } from './provider-setup.ts';
import type { ReplyTarget } from './turn-ending.ts';
import { delegatingTools } from './delegation.ts';
import type { SpendGate } from './spend-gate.ts';
import { routeTurn } from './turn-routing.ts';

/** A provider, why this peer cannot call one (shown on the reply), or null when there is none at all. */
export type ProviderChoice = ChosenProvider | { readonly error: string } | null;

export interface TurnAgentInput {
  /** The settings as they are now; null when this peer cannot read them (no agents: the agent of old). */
  readonly settings: SettingsDoc | null;
  readonly chat: ChatDoc;
  readonly turn: ChatMessage;
  readonly reply: ReplyTarget;
  /** The provider for a model (an agent's, the router's); the default chain without one. */
  readonly choose: (preferred?: ModelRef) => ProviderChoice;
  /** The tools an agent may use now (undefined: the agent of old, with every granted tool). */
  readonly tools?: (agent: Agent | undefined) => Toolbox | undefined;
  /** The system prompt without settings (a worker given one otherwise). */
  readonly systemPrompt?: () => string | undefined;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
  /** The spending limits, checked before each sub-agent hop. */
  readonly spend?: SpendGate;
}

export interface TurnAgent {
  readonly agent?: Agent;
  readonly note?: RouteNote;
  readonly choice: ProviderChoice;
  readonly systemPrompt?: string;
  /** The chat's temperature; absent: the provider's default. */
  readonly temperature?: number;
  readonly tools?: Toolbox;
}

const prefer = (a: Agent): ModelRef | undefined => (a.provider !== undefined && a.model !== undefined ? { provider: a.provider, model: a.model } : undefined);
const usable = (c: ProviderChoice): ChosenProvider | null => (c !== null && 'provider' in c ? c : null);

export async function turnAgent(i: TurnAgentInput): Promise<TurnAgent> {
  const s = i.settings;
  const own = i.chat.options();
  const temperature = own.temperature !== undefined ? { temperature: own.temperature } : {};
  if (!s) {
    const tools = i.tools?.(undefined);
    const prompt = own.systemPrompt ?? i.systemPrompt?.();
    return { choice: i.choose(own.model), ...(prompt ? { systemPrompt: prompt } : {}), ...temperature, ...(tools ? { tools } : {}) };
  }
  const agents = s.agents.list();
  const begun = i.reply.partial !== '' ? i.chat.message(i.reply.id)?.agent : undefined;
  const kept = begun ? agents.find((a) => a.id === begun.id) : undefined;
  const routed = kept
    ? { agent: kept }
    : await routeTurn({
      text: i.turn.content, agents, target: i.chat.target(), defaultAgent: s.defaultAgent(), ...(i.signal ? { signal: i.signal } : {}),
      router: () => usable(i.choose(s.routerModel())),
    });
  const { agent } = routed;
  i.chat.setAgent(i.reply.id, { id: agent.id, name: agent.name });
  if (!kept) i.chat.setRoute(i.reply.id, routed.note);
  const prompt = [own.systemPrompt ?? s.systemPrompt(), agent.systemPrompt].filter((p) => p.trim() !== '').join('\n\n');
  const tools = delegatingTools({
    settings: s, chat: i.chat, reply: i.reply.id, limits: s.delegation(), budget: { calls: 0, tokens: 0 }, choose: i.choose,
    ...(i.tools ? { tools: i.tools } : {}), ...(i.log ? { log: i.log } : {}), ...(i.spend ? { spend: i.spend } : {}),
  }, agent, 0, i.tools?.(agent));
  return {
    agent,
    ...(routed.note ? { note: routed.note } : {}),
    choice: i.choose(own.model ?? prefer(agent)),
    ...(prompt ? { systemPrompt: prompt } : {}),
    ...temperature,
    ...(tools ? { tools } : {}),
  };
}
