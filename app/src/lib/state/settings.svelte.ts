/**
 * The settings document as reactive state. Provider API keys are not part of
 * it: summaries say only whether a key is set, and the key itself is written
 * through `setApiKey` and never read back into the UI.
 */
import type { AgentId } from '@tendril/crdt-schema/ids';
import { DEFAULT_BACKUP_POLICY, DEFAULT_DELEGATION } from '@tendril/crdt-schema/schema';
import type { AccountSummary, Agent, BackupPolicy, ChatPreset, ChatTarget, DelegationLimits, GuestLinkSettings, ModelRef, Playbook, PriceOverride, ProviderSummary, SettingsDoc, SpendLimits, Theme } from '@tendril/crdt-schema/schema';
import type { DocSync } from '@tendril/crdt-schema/sync';
import { frameBatched } from './frame-batch.ts';

export class SettingsState {
  providers = $state.raw<ProviderSummary[]>([]);
  defaultModel = $state.raw<ModelRef | undefined>(undefined);
  systemPrompt = $state('');
  theme = $state<Theme>('system');
  relayUrl = $state<string | undefined>(undefined);
  agents = $state.raw<Agent[]>([]);
  defaultAgent = $state<AgentId | undefined>(undefined);
  newChatTarget = $state<ChatTarget>('auto');
  routerModel = $state.raw<ModelRef | undefined>(undefined);
  embeddingModel = $state.raw<ModelRef | undefined>(undefined);
  delegation = $state.raw<DelegationLimits>(DEFAULT_DELEGATION);
  playbooks = $state.raw<Playbook[]>([]);
  /** The user's own model prices (usage and cost count with them). */
  prices = $state.raw<PriceOverride[]>([]);
  /** The workspace's daily and monthly spending limits. */
  spendLimits = $state.raw<SpendLimits>({});
  /** Automatic backups and their retention (settings-backup.ts). */
  backupPolicy = $state.raw<BackupPolicy>(DEFAULT_BACKUP_POLICY);
  chatPresets = $state.raw<ChatPreset[]>([]);
  /** Mail accounts and calendar sources, without passwords. */
  accounts = $state.raw<AccountSummary[]>([]);
  /** Guest links with their keys: for the Guests page only, never shown whole. */
  guests = $state.raw<GuestLinkSettings[]>([]);
  readonly doc: SettingsDoc;
  readonly sync: DocSync;
  private readonly stop: () => void;
  private readonly batch = frameBatched(() => this.refresh());

  constructor(sync: DocSync, doc: SettingsDoc) {
    this.sync = sync;
    this.doc = doc;
    this.refresh();
    this.stop = doc.observe(() => this.batch.schedule());
  }

  private refresh(): void {
    const s = this.doc.toJSON();
    this.providers = s.providers;
    this.defaultModel = s.defaultModel;
    this.systemPrompt = s.systemPrompt;
    this.theme = s.theme;
    this.relayUrl = s.relayUrl;
    this.agents = s.agents;
    this.defaultAgent = s.defaultAgent;
    this.newChatTarget = s.newChatTarget;
    this.routerModel = s.routerModel;
    this.embeddingModel = s.embeddingModel;
    this.delegation = s.delegation;
    this.playbooks = this.doc.playbooks.list();
    this.prices = this.doc.prices.list();
    this.spendLimits = this.doc.spendLimits();
    this.backupPolicy = this.doc.backupPolicy();
    this.chatPresets = s.chatPresets;
    this.guests = this.doc.guests.list();
    this.accounts = this.doc.accounts.list();
  }

  destroy(): void {
    this.batch.cancel();
    this.stop();
  }
}
