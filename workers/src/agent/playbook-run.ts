/**
 * One run of a playbook (settings-playbooks.ts), by hand or on its schedule:
 * its steps written into its chat as an approved plan on a new message by
 * the playbook's agent, saying what started it. The runner that claims the
 * plan runs it like any approved plan (plan-claim.ts), so a playbook step has
 * exactly the agent's grants at the moment it runs. Node-free.
 */
import type { DeviceId, MessageId } from '@tendril/crdt-schema/ids';
import type { Agent, ChatDoc, Playbook } from '@tendril/crdt-schema/schema';

export function writePlaybookRun(chat: ChatDoc, playbook: Playbook, agent: Agent, by: DeviceId, why: string): MessageId {
  const reply = chat.addMessage({ author: by, role: 'assistant', content: `Playbook ${playbook.name} (${why})${playbook.summary ? `: ${playbook.summary}` : ''}` });
  chat.setAgent(reply, { id: agent.id, name: agent.name });
  chat.proposePlan(reply, playbook.summary, playbook.steps);
  chat.approvePlan(reply, by);
  return reply;
}
