import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DeviceId } from '../ids.ts';
import { docsWithClients, syncDocs } from '../testkit/sync-docs.ts';
import { chatDoc } from './chat.ts';
import type { StepFields } from './chat-plan.ts';

const USER = 'U'.repeat(43) as DeviceId;
const W = 'W'.repeat(43) as DeviceId;
const steps: StepFields[] = [
  { kind: 'command', title: 'run the tests', session: 'S'.repeat(22), command: 'npm test' },
  { kind: 'file', title: 'write notes', session: 'S'.repeat(22), path: 'notes.txt', content: 'hello' },
  { kind: 'notify', title: 'tell me', text: 'done' },
];

function proposed() {
  const [da, db] = docsWithClients(2) as [Y.Doc, Y.Doc];
  const a = chatDoc(da);
  const b = chatDoc(db);
  const turn = a.addMessage({ author: USER, role: 'user', content: 'plan it', planMode: true });
  const reply = a.addMessage({ author: W, role: 'assistant', parent: turn });
  a.proposePlan(reply, 'three steps', steps);
  syncDocs(da, db);
  return { a, b, da, db, turn, reply, sync: () => syncDocs(da, db) };
}

describe('chat plans', () => {
  it('stores a proposed plan, and runs only approved steps once approved', () => {
    const { a, b, turn, reply, sync } = proposed();
    expect(b.wantsPlan(turn)).toBe(true);
    expect(b.plan(reply)).toMatchObject({ state: 'proposed', summary: 'three steps', steps: [{ kind: 'command', decision: 'pending', status: 'waiting' }, { kind: 'file' }, { kind: 'notify' }] });
    expect(b.runnablePlans()).toEqual([]);
    b.approvePlan(reply, USER, [0, 2]);
    sync();
    expect(a.plan(reply)?.steps.map((s) => s.decision)).toEqual(['approved', 'rejected', 'approved']);
    expect(a.runnablePlans().map((m) => m.id)).toEqual([reply]);
    expect(() => a.editStep(reply, 1, steps[0]!)).toThrow(/the plan is approved/);
    a.claims.claim(reply, W, 10_000);
    expect(a.runnablePlans()).toEqual([]);
    expect(() => a.setStepStatus(reply, 1, 'running')).toThrow(/step 2 is not approved/);
  });

  it('rejects a whole plan, and refuses approvals with no step or unknown steps', () => {
    const { b, reply } = proposed();
    expect(() => b.approvePlan(reply, USER, [])).toThrow(/no step is approved/);
    expect(() => b.approvePlan(reply, USER, [5])).toThrow(/no step 6: the plan has 3/);
    b.rejectPlan(reply, USER);
    expect(b.plan(reply)).toMatchObject({ state: 'rejected', decidedBy: USER });
    expect(b.plan(reply)?.steps.every((s) => s.decision === 'rejected')).toBe(true);
    expect(b.runnablePlans()).toEqual([]);
    expect(() => b.approvePlan(reply, USER)).toThrow(/the plan is rejected/);
  });

  it('edits a proposed step (checked, marked edited), and approval without a list keeps per-step rejections', () => {
    const { b, reply } = proposed();
    expect(() => b.editStep(reply, 0, { kind: 'command', title: 'x', session: 'S'.repeat(22) } as StepFields)).toThrow(/command step's command/);
    expect(() => b.editStep(reply, 0, { kind: 'tool', title: 'x', tool: 'web_fetch', args: '[1]' })).toThrow(/args are a JSON object/);
    b.editStep(reply, 0, { kind: 'command', title: 'run one test', session: 'S'.repeat(22), command: 'npm test -- one' });
    b.decideStep(reply, 1, 'rejected');
    b.approvePlan(reply, USER);
    expect(b.plan(reply)?.steps.map((s) => [s.decision, s.edited ?? false])).toEqual([['approved', true], ['rejected', false], ['approved', false]]);
    expect(b.plan(reply)?.steps[0]?.command).toBe('npm test -- one');
  });

  it('reads a plan with a malformed step as no plan (step numbers must agree on every device)', () => {
    const { b, db, reply } = proposed();
    const plan = (db.getMap('messages').get(reply) as Y.Map<unknown>).get('plan') as Y.Map<unknown>;
    (plan.get('steps') as Y.Array<unknown>).insert(0, ['not a step']);
    expect(b.plan(reply)).toBeUndefined();
  });

  it('turns plan mode on for a chat', () => {
    const { b } = proposed();
    const turn = b.addMessage({ author: USER, role: 'user', content: 'no plan' });
    expect(b.wantsPlan(turn)).toBe(false);
    b.setPlanMode(true);
    expect(b.wantsPlan(turn)).toBe(true);
  });
});
