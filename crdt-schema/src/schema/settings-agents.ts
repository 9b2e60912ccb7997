/**
 * The agents of a workspace, kept in the settings document (written by the
 * user's devices, read by workers): one entry per agent with its name,
 * description, system prompt, model and the tools it may use. What an agent
 * may touch is not here: its grants live in the permissions document under
 * the plugin id spelled like its agent id, so only a device that may write
 * permissions can widen what an agent reaches, and the runner's access gate
 * checks them at every call.
 *
 * A workspace with no agent stored has one, built in: the general assistant
 * (GENERAL_AGENT_ID, the id the single agent's grants were filed under before
 * there were agents), so workspaces made before agents keep their agent and
 * its grants. The first agent added stores it, so it stays once there are others.
 *
 * Names are unique without regard to case; two devices adding the same name
 * at once both keep their entry, and a name then resolves to the older one.
 */
import * as Y from 'yjs';
import { newAgentId, parseAgentId, type AgentId, type DeviceId } from '../ids.ts';
import { badInput, checkEnum, checkOptionalText, checkText, compareStrings, entryOf, readEnum, readNumber, readString, requireEntry, setOptional, type YMap } from './fields.ts';
import { AGENT_ENTRY, SETTINGS } from './keys.ts';
import { AGENT_PLUGIN_ID } from './plugin-manifest.ts';
import { parseProviderId, type ProviderId } from './settings-providers.ts';
import type { Writer } from './writer.ts';

/**
 * The tools an agent may be allowed (each still needs a live grant of its kind to run, but for
 * `delegate`: handing a sub-task to another agent, which then acts with its own grants only).
 * `memory` offers the agent's memory tools (memory_set, memory_get, memory_delete, memory_search) together.
 */
export const AGENT_TOOLS = ['search_workspace', 'web_fetch', 'run_command', 'memory', 'delegate'] as const;
export type AgentToolName = (typeof AGENT_TOOLS)[number];

export const AGENT_PRESETS = ['assistant', 'coder', 'researcher'] as const;
export type AgentPreset = (typeof AGENT_PRESETS)[number];

/** The general assistant: the agent of a workspace that stores none, whose grants predate agents. */
export const GENERAL_AGENT_ID = AGENT_PLUGIN_ID as string as AgentId;

export interface Agent {
  readonly id: AgentId;
  readonly name: string;
  readonly description: string;
  /** Added after the workspace's system prompt (Settings), which every agent gets. */
  readonly systemPrompt: string;
  /** The model it answers with; absent: the workspace's default model. */
  readonly provider?: ProviderId;
  readonly model?: string;
  readonly tools: AgentToolName[];
  readonly preset?: AgentPreset;
  readonly createdAt: number;
  readonly createdBy?: DeviceId;
  /** The built-in general assistant of a workspace that stores no agent (not a stored entry). */
  readonly builtIn?: true;
}

export interface AgentInput {
  readonly name: string;
  readonly description?: string;
  readonly systemPrompt?: string;
  readonly provider?: ProviderId;
  readonly model?: string;
  readonly tools?: readonly string[];
  readonly preset?: AgentPreset;
}

/** An edit: fields left out stay; `null` clears the model (back to the workspace default). */
export interface AgentPatch {
  readonly name?: string;
  readonly description?: string;
  readonly systemPrompt?: string;
  readonly provider?: ProviderId | null;
  readonly model?: string | null;
  readonly tools?: readonly string[];
}

type PresetInput = Required<Pick<AgentInput, 'name' | 'description' | 'systemPrompt' | 'tools'>>;

/** The agents that ship. Their grants are the user's to give (Permissions, or `tendril plugin grant`). */
export const PRESETS: Readonly<Record<AgentPreset, PresetInput>> = {
  assistant: {
    name: 'Assistant',
    description: 'General questions, writing, summaries and everyday help; the one to pick when no other agent fits better.',
    systemPrompt: '',
    tools: [...AGENT_TOOLS],
  },
  coder: {
    name: 'Coder',
    description: 'Writes, reviews and debugs code; runs commands, builds and tests on a terminal session the user granted it.',
    systemPrompt: 'You are a careful software engineer. Read before you change, run the tests after, and say exactly what you ran and what it printed.',
    tools: ['run_command', 'search_workspace'],
  },
  researcher: {
    name: 'Researcher',
    description: 'Looks things up: reads web pages and the workspace\'s notes and answers with the sources it used.',
    systemPrompt: 'You research before answering. Fetch the pages you rely on, quote sparingly, and list the sources you used.',
    tools: ['web_fetch', 'search_workspace'],
  },
};

const NAME = /^[\p{L}\p{N}][\p{L}\p{N}_.-]{0,39}$/u;

/** An agent name: 1..40 letters, digits, `_`, `.` or `-` (no spaces, so `@name` can name it in a message). */
export function checkAgentName(v: unknown): string {
  if (typeof v !== 'string' || !NAME.test(v)) badInput('an agent name is 1..40 letters, digits, _, . or -, starting with a letter or digit');
  return v;
}

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function checkTools(v: unknown): AgentToolName[] {
  if (!Array.isArray(v) || v.length > AGENT_TOOLS.length * 4) badInput(`tools is a list of ${AGENT_TOOLS.join(', ')}`);
  return [...new Set(v.map((t) => checkEnum(t, 'tool', AGENT_TOOLS)))];
}

function readTools(m: YMap): AgentToolName[] {
  const v = m.get(AGENT_ENTRY.tools);
  return Array.isArray(v) ? v.filter((t): t is AgentToolName => (AGENT_TOOLS as readonly unknown[]).includes(t)) : [];
}

function readAgent(id: string, m: YMap): Agent | undefined {
  const name = readString(m, AGENT_ENTRY.name);
  const createdAt = readNumber(m, AGENT_ENTRY.createdAt);
  if (name === undefined || !NAME.test(name) || createdAt === undefined) return undefined;
  const provider = readString(m, AGENT_ENTRY.provider);
  const model = readString(m, AGENT_ENTRY.model);
  const preset = readEnum(m, AGENT_ENTRY.preset, AGENT_PRESETS);
  const createdBy = readString(m, AGENT_ENTRY.createdBy);
  return {
    id: id as AgentId,
    name,
    description: readString(m, AGENT_ENTRY.description) ?? '',
    systemPrompt: readString(m, AGENT_ENTRY.systemPrompt) ?? '',
    ...(provider !== undefined && model !== undefined ? { provider: provider as ProviderId, model } : {}),
    tools: readTools(m),
    ...(preset !== undefined ? { preset } : {}),
    createdAt,
    ...(createdBy !== undefined ? { createdBy: createdBy as DeviceId } : {}),
  };
}

/** Oldest first (the order a duplicate name resolves in), then by id. */
const byAge = (a: Agent, b: Agent): number => a.createdAt - b.createdAt || compareStrings(a.id, b.id);
/** Display order: by name, then age. */
export const compareAgents = (a: Agent, b: Agent): number => compareStrings(a.name.toLowerCase(), b.name.toLowerCase()) || byAge(a, b);

/** The built-in general assistant, as a workspace that stores no agent has it. */
export function builtInAssistant(): Agent {
  return { id: GENERAL_AGENT_ID, ...PRESETS.assistant, tools: [...AGENT_TOOLS], preset: 'assistant', createdAt: 0, builtIn: true };
}

function checkModel(provider: unknown, model: unknown): { provider: ProviderId; model: string } | undefined {
  if (provider === undefined && model === undefined) return undefined;
  if (provider === undefined || model === undefined) badInput('an agent\'s provider and model are set together');
  return { provider: parseProviderId(provider), model: checkText(model, 'model', 200) };
}

export function agentsSection(doc: Y.Doc, w: Writer) {
  const agents = doc.getMap<unknown>(SETTINGS.agents);
  const stored = (): Agent[] => {
    const out: Agent[] = [];
    for (const id of agents.keys()) {
      const m = entryOf(agents, id);
      const a = m === undefined ? undefined : readAgent(id, m);
      if (a !== undefined) out.push(a);
    }
    return out;
  };
  const list = (): Agent[] => {
    const all = stored();
    return (all.length > 0 ? all : [builtInAssistant()]).sort(compareAgents);
  };
  const get = (id: AgentId): Agent | undefined => list().find((a) => a.id === id);
  const byName = (name: string): Agent | undefined => list().sort(byAge).find((a) => sameName(a.name, name));
  const requireUnique = (name: string, except?: AgentId): void => {
    const other = list().find((a) => a.id !== except && sameName(a.name, name));
    if (other) badInput(`an agent named ${other.name} exists`);
  };
  const insert = (id: AgentId, input: PresetInput & AgentInput, at: number, by?: DeviceId): void => {
    const m: YMap = new Y.Map<unknown>();
    agents.set(id, m);
    m.set(AGENT_ENTRY.name, input.name);
    m.set(AGENT_ENTRY.description, input.description);
    m.set(AGENT_ENTRY.systemPrompt, input.systemPrompt);
    m.set(AGENT_ENTRY.tools, [...input.tools]);
    if (input.provider !== undefined && input.model !== undefined) {
      m.set(AGENT_ENTRY.provider, input.provider);
      m.set(AGENT_ENTRY.model, input.model);
    }
    if (input.preset !== undefined) m.set(AGENT_ENTRY.preset, input.preset);
    m.set(AGENT_ENTRY.createdAt, at);
    if (by !== undefined) m.set(AGENT_ENTRY.createdBy, by);
  };
  /** Adds an agent; the first one added also stores the built-in assistant, which otherwise would vanish. */
  const add = (input: AgentInput, by?: DeviceId, id: AgentId = newAgentId()): Agent => {
    const name = checkAgentName(input.name);
    const checked = {
      name,
      description: checkOptionalText(input.description ?? '', 'description', 2000),
      systemPrompt: checkOptionalText(input.systemPrompt ?? '', 'systemPrompt', 100_000),
      tools: checkTools(input.tools ?? []),
      ...checkModel(input.provider, input.model),
      ...(input.preset !== undefined ? { preset: checkEnum(input.preset, 'preset', AGENT_PRESETS) } : {}),
    };
    parseAgentId(id);
    requireUnique(name, id);
    if (agents.has(id)) badInput(`agent ${id} exists`);
    const at = w.now();
    const first = stored().length === 0;
    w.write(() => {
      if (first && id !== GENERAL_AGENT_ID) insert(GENERAL_AGENT_ID, { ...PRESETS.assistant, preset: 'assistant' }, at);
      insert(id, checked, at, by);
    });
    return get(id)!;
  };
  return {
    /** Every agent by name (the built-in assistant when none is stored). */
    list,
    get,
    /** The agent of that name, whatever its case; the older one when a concurrent add made two. */
    byName,
    add,
    /** An agent by id, or by name. */
    find(text: string): Agent | undefined {
      return list().find((a) => a.id === text) ?? byName(text);
    },
    /** Adds one of the agents that ship, with any fields changed (the assistant takes its old id back when that is free). */
    addPreset(preset: AgentPreset, by?: DeviceId, changes: Partial<AgentInput> = {}): Agent {
      const p = PRESETS[checkEnum(preset, 'preset', AGENT_PRESETS)];
      const id = preset === 'assistant' && !agents.has(GENERAL_AGENT_ID) && stored().length > 0 ? GENERAL_AGENT_ID : newAgentId();
      return add({ ...p, ...changes, preset }, by, id);
    },
    update(id: AgentId, patch: AgentPatch): Agent {
      if (get(id)?.builtIn === true) add({ ...PRESETS.assistant, preset: 'assistant' }, undefined, GENERAL_AGENT_ID);
      const m = requireEntry(agents, id, 'agent');
      const name = patch.name === undefined ? undefined : checkAgentName(patch.name);
      if (name !== undefined) requireUnique(name, id);
      const description = patch.description === undefined ? undefined : checkOptionalText(patch.description, 'description', 2000);
      const systemPrompt = patch.systemPrompt === undefined ? undefined : checkOptionalText(patch.systemPrompt, 'systemPrompt', 100_000);
      const tools = patch.tools === undefined ? undefined : checkTools(patch.tools);
      const clear = patch.provider === null || patch.model === null;
      const model = clear || (patch.provider === undefined && patch.model === undefined)
        ? undefined
        : checkModel(patch.provider ?? readString(m, AGENT_ENTRY.provider), patch.model ?? readString(m, AGENT_ENTRY.model));
      w.write(() => {
        if (name !== undefined) m.set(AGENT_ENTRY.name, name);
        if (description !== undefined) m.set(AGENT_ENTRY.description, description);
        if (systemPrompt !== undefined) m.set(AGENT_ENTRY.systemPrompt, systemPrompt);
        if (tools !== undefined) m.set(AGENT_ENTRY.tools, tools);
        if (clear || model !== undefined) {
          setOptional(m, AGENT_ENTRY.provider, model?.provider);
          setOptional(m, AGENT_ENTRY.model, model?.model);
        }
      });
      return get(id)!;
    },
    /**
     * Removes an agent. The last one is removed only with `force` (the built-in assistant is then the
     * workspace's agent again). Its grants stay in the permissions document until revoked there.
     */
    remove(id: AgentId, options: { force?: boolean } = {}): void {
      const all = stored();
      if (all.length === 0 && id === GENERAL_AGENT_ID) badInput('the built-in assistant is the only agent: add another before removing it');
      if (!all.some((a) => a.id === id)) badInput(`no agent ${id}`);
      if (all.length === 1 && options.force !== true) badInput('this is the last agent: removing it needs force (the built-in assistant takes its place)');
      w.write(() => agents.delete(id));
    },
  };
}

/** Who answers a chat: one agent, or `auto` (a router model picks one per turn). */
export type ChatTarget = 'auto' | AgentId;
export const AUTO_TARGET = 'auto';

export function parseChatTarget(v: unknown): ChatTarget {
  return v === AUTO_TARGET ? AUTO_TARGET : parseAgentId(v);
}

export function isChatTarget(v: unknown): v is ChatTarget {
  try {
    parseChatTarget(v);
    return true;
  } catch {
    return false;
  }
}
