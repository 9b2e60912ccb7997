/**
 * Plans you approve. In plan mode (the chat's, or one message's) the agent
 * answers a turn with an execution plan instead of acting: ordered steps
 * (a tool call, a command on a terminal session, a file write on a session,
 * a notification, a hand-off to another agent), stored on its reply. The user
 * approves, rejects or edits each step and then approves the plan (only the
 * approved steps run) or rejects it (nothing runs). A runner then claims the
 * reply as it claims turns (chat-claims.ts, keyed by the reply's id), runs
 * the approved steps in order and writes each step's result under it.
 *
 *   proposed --approve--> approved --claimed--> running --> done
 *            --reject---> rejected
 *
 * A step is run at most once: one found `running` by the next holder (its
 * runner went away mid-step) ends `failed`, never repeated. Decisions and
 * edits are taken only while the plan is proposed, so a step cannot change
 * under a runner. Everything is parsed on read with bounds: a chat writer
 * (any member) can propose nonsense, but only an approval runs anything, and
 * each step still passes the agent's grants when it runs.
 */
import * as Y from 'yjs';
import type { DeviceId, MessageId } from '../ids.ts';
import { badInput, checkEnum, checkOptionalText, checkText, readEnum, readNumber, readString, type YMap } from './fields.ts';

export const PLAN_STEP_KINDS = ['tool', 'command', 'file', 'notify', 'handoff'] as const;
export type PlanStepKind = (typeof PLAN_STEP_KINDS)[number];
export const PLAN_STATES = ['proposed', 'approved', 'rejected', 'running', 'done'] as const;
export type PlanState = (typeof PLAN_STATES)[number];
export const STEP_DECISIONS = ['pending', 'approved', 'rejected'] as const;
export type StepDecision = (typeof STEP_DECISIONS)[number];
export const STEP_STATUSES = ['waiting', 'running', 'done', 'failed', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** What a step does; which fields it needs depends on its kind (checkStepFields). */
export interface StepFields {
  readonly kind: PlanStepKind;
  /** One line for the user: what the step is for. */
  readonly title: string;
  /** tool: the tool's name and its arguments as JSON text. */
  readonly tool?: string;
  readonly args?: string;
  /** command and file: the terminal session. */
  readonly session?: string;
  /** command: the command line. */
  readonly command?: string;
  /** file: the path (relative to the session's directory) and the text to write. */
  readonly path?: string;
  readonly content?: string;
  /** notify: the notification's text. */
  readonly text?: string;
  /** handoff: the agent's name and the task. */
  readonly agent?: string;
  readonly task?: string;
}

export interface PlanStep extends StepFields {
  readonly decision: StepDecision;
  readonly status: StepStatus;
  /** The step's outcome once run (output, answer, or why it failed). */
  readonly result: string;
  /** True when the user changed the step after the agent proposed it. */
  readonly edited?: boolean;
}

export interface Plan {
  readonly state: PlanState;
  /** The agent's summary of what the plan does. */
  readonly summary: string;
  readonly steps: readonly PlanStep[];
  readonly decidedBy?: DeviceId;
  readonly decidedAt?: number;
}

export const MAX_PLAN_STEPS = 20;
const LIMITS = { title: 300, tool: 64, args: 8_000, session: 200, command: 4_000, path: 500, content: 2_800, text: 2_000, agent: 40, task: 8_000 } as const;
const MAX_RESULT = 8_000;
const FIELDS = ['title', 'tool', 'args', 'session', 'command', 'path', 'content', 'text', 'agent', 'task'] as const;
const NEEDS: Readonly<Record<PlanStepKind, readonly (keyof StepFields)[]>> = {
  tool: ['tool', 'args'],
  command: ['session', 'command'],
  file: ['session', 'path', 'content'],
  notify: ['text'],
  handoff: ['agent', 'task'],
};
const KEY = { state: 'state', summary: 'summary', steps: 'steps', decidedBy: 'decidedBy', decidedAt: 'decidedAt', kind: 'kind', decision: 'decision', status: 'status', result: 'result', edited: 'edited' } as const;

/** A step as it may be stored: the kind's fields present and within bounds, the others dropped. */
export function checkStepFields(s: StepFields): StepFields {
  const kind = checkEnum(s.kind, 'kind', PLAN_STEP_KINDS);
  const out: Record<string, string> = { kind, title: checkText(s.title, 'title', LIMITS.title) };
  for (const f of NEEDS[kind]) {
    const v = s[f];
    out[f] = f === 'content' ? checkOptionalText(v, f, LIMITS.content) : checkText(v, `${kind} step's ${f}`, LIMITS[f as keyof typeof LIMITS]);
  }
  if (kind === 'tool') {
    try {
      const v: unknown = JSON.parse(out.args!);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    } catch {
      badInput('a tool step\'s args are a JSON object');
    }
  }
  return out as unknown as StepFields;
}

function readStep(v: unknown): PlanStep | undefined {
  if (!(v instanceof Y.Map)) return undefined;
  const m = v as YMap;
  const kind = readEnum(m, KEY.kind, PLAN_STEP_KINDS);
  const title = readString(m, 'title');
  if (kind === undefined || title === undefined) return undefined;
  const fields: Record<string, string> = {};
  for (const f of FIELDS) {
    const x = readString(m, f);
    if (x !== undefined) fields[f] = x.slice(0, LIMITS[f]);
  }
  if (NEEDS[kind].some((f) => fields[f] === undefined)) return undefined;
  return {
    ...(fields as unknown as StepFields), kind,
    decision: readEnum(m, KEY.decision, STEP_DECISIONS) ?? 'pending',
    status: readEnum(m, KEY.status, STEP_STATUSES) ?? 'waiting',
    result: (readString(m, KEY.result) ?? '').slice(0, MAX_RESULT),
    ...(m.get(KEY.edited) === true ? { edited: true as const } : {}),
  };
}

export function readPlan(v: unknown): Plan | undefined {
  if (!(v instanceof Y.Map)) return undefined;
  const m = v as YMap;
  const state = readEnum(m, KEY.state, PLAN_STATES);
  const steps = m.get(KEY.steps);
  if (state === undefined || !(steps instanceof Y.Array)) return undefined;
  const list = (steps.toArray() as unknown[]).slice(0, MAX_PLAN_STEPS).map(readStep);
  // One unreadable step makes the plan unreadable: step numbers must mean the same on every device.
  if (list.some((s) => s === undefined)) return undefined;
  const by = readString(m, KEY.decidedBy);
  const at = readNumber(m, KEY.decidedAt);
  return {
    state, summary: (readString(m, KEY.summary) ?? '').slice(0, 2_000), steps: list as PlanStep[],
    ...(by !== undefined ? { decidedBy: by as DeviceId } : {}), ...(at !== undefined ? { decidedAt: at } : {}),
  };
}

/** The plan operations of a chat, over the message maps (`planOf` finds a message's plan map). */
export function planSection(w: { write(f: () => void): void; now(): number }, messageMap: (id: MessageId) => YMap, planKey: string) {
  const mapOf = (id: MessageId): YMap => {
    const p = messageMap(id).get(planKey);
    if (!(p instanceof Y.Map)) badInput(`message ${id} holds no plan`);
    return p as YMap;
  };
  const read = (id: MessageId): Plan => readPlan(mapOf(id)) ?? badInput(`the plan on message ${id} is malformed`);
  const stepMap = (id: MessageId, index: number): YMap => {
    const steps = mapOf(id).get(KEY.steps) as Y.Array<unknown>;
    const s = Number.isInteger(index) && index >= 0 ? steps.get(index) : undefined;
    if (!(s instanceof Y.Map)) badInput(`no step ${index + 1} in the plan`);
    return s as YMap;
  };
  const whileProposed = (id: MessageId): Plan => {
    const p = read(id);
    if (p.state !== 'proposed') badInput(`the plan is ${p.state}: decisions and edits are taken only while it is proposed`);
    return p;
  };
  const writeFields = (m: YMap, f: StepFields): void => {
    for (const k of FIELDS) {
      const v = f[k];
      if (v === undefined) m.delete(k);
      else m.set(k, v);
    }
    m.set(KEY.kind, f.kind);
  };
  return {
    /** The plan on a message, or undefined (none, or malformed). */
    plan(id: MessageId): Plan | undefined {
      return readPlan(messageMap(id).get(planKey));
    },
    /** Stores the agent's proposed plan on its reply. */
    proposePlan(id: MessageId, summary: string, steps: readonly StepFields[]): void {
      if (steps.length === 0 || steps.length > MAX_PLAN_STEPS) badInput(`a plan has 1..${MAX_PLAN_STEPS} steps`);
      const checked = steps.map(checkStepFields);
      const s = checkOptionalText(summary, 'summary', 2_000);
      const m = messageMap(id);
      w.write(() => {
        const plan = new Y.Map<unknown>();
        m.set(planKey, plan);
        plan.set(KEY.state, 'proposed');
        plan.set(KEY.summary, s);
        const list = new Y.Array<unknown>();
        plan.set(KEY.steps, list);
        list.push(checked.map((f) => {
          const step = new Y.Map<unknown>();
          writeFields(step, f);
          step.set(KEY.decision, 'pending');
          step.set(KEY.status, 'waiting');
          return step;
        }));
      });
    },
    /** Approves or rejects one step of a proposed plan. */
    decideStep(id: MessageId, index: number, decision: 'approved' | 'rejected'): void {
      whileProposed(id);
      const d = checkEnum(decision, 'decision', ['approved', 'rejected'] as const);
      const m = stepMap(id, index);
      w.write(() => m.set(KEY.decision, d));
    },
    /** Changes what a step of a proposed plan does (kind included); it is marked edited. */
    editStep(id: MessageId, index: number, fields: StepFields): void {
      whileProposed(id);
      const f = checkStepFields(fields);
      const m = stepMap(id, index);
      w.write(() => {
        writeFields(m, f);
        m.set(KEY.edited, true);
      });
    },
    /**
     * Approves the plan: with `steps` (0-based), exactly those run and the others are rejected; without,
     * every step not rejected runs. At least one step must be approved (else reject the plan).
     */
    approvePlan(id: MessageId, by: DeviceId, steps?: readonly number[]): PlanStep[] {
      const p = whileProposed(id);
      if (steps !== undefined) for (const i of steps) if (!Number.isInteger(i) || i < 0 || i >= p.steps.length) badInput(`no step ${i + 1}: the plan has ${p.steps.length}`);
      const approve = p.steps.map((s, i) => (steps === undefined ? s.decision !== 'rejected' : steps.includes(i)));
      if (!approve.includes(true)) badInput('no step is approved: reject the plan instead');
      const at = w.now();
      const maps = p.steps.map((_, i) => stepMap(id, i));
      const plan = mapOf(id);
      w.write(() => {
        maps.forEach((m, i) => m.set(KEY.decision, approve[i] ? 'approved' : 'rejected'));
        plan.set(KEY.state, 'approved');
        plan.set(KEY.decidedBy, checkText(by, 'by', 100));
        plan.set(KEY.decidedAt, at);
      });
      return read(id).steps.filter((s) => s.decision === 'approved');
    },
    /** Rejects the whole plan: nothing of it runs. */
    rejectPlan(id: MessageId, by: DeviceId): void {
      const p = whileProposed(id);
      const at = w.now();
      const maps = p.steps.map((_, i) => stepMap(id, i));
      const plan = mapOf(id);
      w.write(() => {
        maps.forEach((m) => m.set(KEY.decision, 'rejected'));
        plan.set(KEY.state, 'rejected');
        plan.set(KEY.decidedBy, checkText(by, 'by', 100));
        plan.set(KEY.decidedAt, at);
      });
    },
    /** The runner moves an approved plan on (running, then done). */
    setPlanState(id: MessageId, state: 'running' | 'done'): void {
      const p = read(id);
      const next = checkEnum(state, 'state', ['running', 'done'] as const);
      if (p.state !== 'approved' && p.state !== 'running') badInput(`the plan is ${p.state}, not approved`);
      const plan = mapOf(id);
      w.write(() => plan.set(KEY.state, next));
    },
    /** The runner records a step's progress and result. */
    setStepStatus(id: MessageId, index: number, status: StepStatus, result?: string): void {
      const s = checkEnum(status, 'status', STEP_STATUSES);
      const m = stepMap(id, index);
      if (s === 'running' && readString(m, KEY.decision) !== 'approved') badInput(`step ${index + 1} is not approved`);
      const r = result === undefined ? undefined : result.slice(0, MAX_RESULT);
      w.write(() => {
        m.set(KEY.status, s);
        if (r !== undefined) m.set(KEY.result, r);
      });
    },
  };
}
