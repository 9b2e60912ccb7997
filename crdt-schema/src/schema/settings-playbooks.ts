/**
 * Playbooks: approved plans saved to run again, by hand or on a cron
 * schedule. Kept in the settings document (written by the user's devices,
 * read by workers, like agents): a name, the agent it runs as, the chat its
 * runs are written into, the approved steps, and an optional schedule. A run
 * writes the steps into the chat as an approved plan (the user approved them
 * when saving), which the runner that claims it runs like any plan: as the
 * agent, through the agent's own grants, one step at a time. A scheduled run
 * is started by one worker only (the run lease in permissions-leases.ts).
 */
import type * as Y from 'yjs';
import { parseAgentId, parseChatId, type AgentId, type ChatId, type DeviceId } from '../ids.ts';
import { checkStepFields, MAX_PLAN_STEPS, type StepFields } from './chat-plan.ts';
import { badInput, checkOptionalText, checkText, compareStrings, readRecord } from './fields.ts';
import { SETTINGS } from './keys.ts';
import { checkAgentName } from './settings-agents.ts';
import type { Writer } from './writer.ts';

export interface Playbook {
  readonly name: string;
  readonly agent: AgentId;
  readonly chat: ChatId;
  readonly summary: string;
  readonly steps: readonly StepFields[];
  /** A cron expression (five fields); absent: run by hand only. */
  readonly schedule?: string;
  readonly createdAt: number;
  readonly createdBy?: DeviceId;
}

export interface PlaybookInput {
  readonly name: string;
  readonly agent: AgentId;
  readonly chat: ChatId;
  readonly summary?: string;
  readonly steps: readonly StepFields[];
  readonly schedule?: string;
}

function readPlaybook(name: string, r: Record<string, unknown>): Playbook | undefined {
  try {
    if (!Array.isArray(r.steps) || r.steps.length === 0 || r.steps.length > MAX_PLAN_STEPS || typeof r.createdAt !== 'number') return undefined;
    return {
      name: checkAgentName(name),
      agent: parseAgentId(r.agent),
      chat: parseChatId(r.chat),
      summary: typeof r.summary === 'string' ? r.summary.slice(0, 2_000) : '',
      steps: r.steps.map((s) => checkStepFields(s as StepFields)),
      ...(typeof r.schedule === 'string' && r.schedule !== '' ? { schedule: r.schedule.slice(0, 200) } : {}),
      createdAt: r.createdAt,
      ...(typeof r.createdBy === 'string' ? { createdBy: r.createdBy as DeviceId } : {}),
    };
  } catch {
    // One malformed playbook is not a playbook; the others still read.
    return undefined;
  }
}

/** Playbooks by name (a name as agents have: no spaces, compared without case). */
export function playbooksSection(doc: Y.Doc, w: Writer) {
  const books = doc.getMap<unknown>(SETTINGS.playbooks);
  const key = (name: string): string => name.toLowerCase();
  const get = (name: string): Playbook | undefined => {
    const r = readRecord(books, key(name));
    return r === undefined || typeof r.name !== 'string' ? undefined : readPlaybook(r.name, r);
  };
  return {
    get,
    list(): Playbook[] {
      return [...books.keys()].map((k) => get(k)).filter((p): p is Playbook => p !== undefined).sort((a, b) => compareStrings(a.name.toLowerCase(), b.name.toLowerCase()));
    },
    /** Saves (or replaces) a playbook; `checkSchedule` validates the cron text (the parser lives with the scheduler). */
    save(input: PlaybookInput, by: DeviceId | undefined, checkSchedule: (cron: string) => void): Playbook {
      const name = checkAgentName(input.name);
      if (input.steps.length === 0 || input.steps.length > MAX_PLAN_STEPS) badInput(`a playbook has 1..${MAX_PLAN_STEPS} steps`);
      const steps = input.steps.map(checkStepFields);
      const schedule = input.schedule === undefined ? undefined : checkText(input.schedule, 'schedule', 200);
      if (schedule !== undefined) checkSchedule(schedule);
      const value = {
        name, agent: parseAgentId(input.agent), chat: parseChatId(input.chat), summary: checkOptionalText(input.summary ?? '', 'summary', 2_000),
        steps: steps.map((s) => ({ ...s })), ...(schedule !== undefined ? { schedule } : {}), createdAt: w.now(), ...(by !== undefined ? { createdBy: by } : {}),
      };
      w.write(() => books.set(key(name), value));
      return get(name)!;
    },
    remove(name: string): void {
      if (!books.has(key(name))) badInput(`no playbook ${name}`);
      w.write(() => books.delete(key(name)));
    },
  };
}
