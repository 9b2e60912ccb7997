/**
 * What the app does with a plan on a reply (chat-plan.ts): decide or edit a
 * step while the plan is proposed, approve it (every step not rejected) or
 * reject it. Each throws a bad-input error the card shows when the document
 * refuses (the plan was decided on another device meanwhile).
 */
import type { ChatId, DeviceId, MessageId } from '@tendril/crdt-schema/ids';
import type { ChatDoc, StepFields } from '@tendril/crdt-schema/schema';

export interface PlanActions {
  /** The chat the plans are in (a playbook saved from one runs into it). */
  readonly chatId: ChatId;
  decide(reply: MessageId, step: number, decision: 'approved' | 'rejected'): void;
  edit(reply: MessageId, step: number, fields: StepFields): void;
  approve(reply: MessageId): void;
  reject(reply: MessageId): void;
}

export function planActions(chatId: ChatId, chat: ChatDoc, me: DeviceId): PlanActions {
  return {
    chatId,
    decide: (reply, step, decision) => chat.decideStep(reply, step, decision),
    edit: (reply, step, fields) => chat.editStep(reply, step, fields),
    approve: (reply) => void chat.approvePlan(reply, me),
    reject: (reply) => chat.rejectPlan(reply, me),
  };
}
