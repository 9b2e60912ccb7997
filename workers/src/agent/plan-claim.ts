/**
 * Taking an approved plan and running it, from a worker or a tab: the same
 * claim / sync / settle protocol as a turn, keyed by the plan's reply, so a
 * plan runs once whoever is online; the lease is renewed while steps run
 * and given back at the end (the plan then reads done). The plan runs as the
 * agent that proposed it: when that agent was removed since, its approved
 * steps fail with the reason rather than run under another agent's grants.
 */
import type { DeviceId } from '@tendril/crdt-schema/ids';
import type { ChatDoc, ChatMessage, ModelRef, SettingsDoc } from '@tendril/crdt-schema/schema';
import type { DocSync } from '@tendril/crdt-schema/sync';
import { waitFor } from './abortable-wait.ts';
import { handOff } from './delegation.ts';
import type { SpendGate } from './spend-gate.ts';
import { runPlan, type PlanKit } from './plan-run.ts';
import type { ProviderChoice } from './turn-agent.ts';

export interface PlanClaimInput {
  readonly chat: ChatDoc;
  readonly sync: Pick<DocSync, 'whenSynced'>;
  readonly reply: ChatMessage;
  readonly me: DeviceId;
  readonly leaseMs: number;
  readonly settleMs: number;
  readonly settings: SettingsDoc | null;
  readonly kit: PlanKit;
  readonly choose: (preferred?: ModelRef) => ProviderChoice;
  readonly signal: AbortSignal;
  readonly log?: (line: string) => void;
  /** The spending limits, checked before each hand-off step's model call. */
  readonly spend?: SpendGate;
}

export async function claimAndRunPlan(i: PlanClaimInput): Promise<void> {
  const { chat, me, reply } = i;
  if (!chat.claims.claim(reply.id, me, i.leaseMs)) return;
  try {
    await i.sync.whenSynced(i.leaseMs);
  } catch (e) {
    i.log?.(`plan ${reply.id}: claim not synced (${(e as Error).message}); given back`);
    chat.claims.release(reply.id, me);
    return;
  }
  await waitFor(i.settleMs, i.signal);
  if (!chat.claims.holds(reply.id, me) || i.signal.aborted) return;
  const renew = setInterval(() => {
    try {
      chat.claims.claim(reply.id, me, i.leaseMs);
    } catch (e) {
      i.log?.(`plan ${reply.id}: lease not renewed: ${(e as Error).message}`);
    }
  }, Math.floor(i.leaseMs / 3));
  try {
    const named = reply.agent;
    const agent = named && i.settings ? i.settings.agents.get(named.id) : undefined;
    if (named && i.settings && !agent) {
      const plan = chat.plan(reply.id);
      plan?.steps.forEach((s, n) => {
        if (s.decision === 'approved' && (s.status === 'waiting' || s.status === 'running')) chat.setStepStatus(reply.id, n, 'failed', `error: the agent ${named.name} was removed`);
      });
      chat.setPlanState(reply.id, 'done');
      return;
    }
    const outcome = await runPlan({
      chat, reply: reply.id, agent, tools: i.kit.tools(agent), log: (r) => i.kit.log(agent, r),
      stillHolds: () => chat.claims.holds(reply.id, me), signal: i.signal,
      ...(agent && i.settings ? {
        handOff: (to: string, task: string, signal: AbortSignal) => handOff({
          settings: i.settings!, chat, reply: reply.id, limits: i.settings!.delegation(), budget: { calls: 0, tokens: 0 }, choose: i.choose,
          tools: (a) => i.kit.tools(a), ...(i.log ? { log: i.log } : {}), ...(i.spend ? { spend: i.spend } : {}),
        }, agent, to, task, signal),
      } : {}),
    });
    i.log?.(`plan ${reply.id}: ${outcome}`);
  } finally {
    clearInterval(renew);
    chat.claims.release(reply.id, me);
  }
}
