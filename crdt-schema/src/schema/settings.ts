/**
 * The settings document: model providers (settings-providers.ts), agents
 * (settings-agents.ts) and how chats are routed to them, the default model,
 * the embedding model of agents' memory recall, chat presets,
 * the system prompt every agent gets, the theme (of old: the app now keeps a
 * theme per device, and shows this one only until the device picks its own)
 * the relay URL and the mail and calendar accounts plugins read. Provider API
 * keys and account passwords never appear in a summary, JSON form or string form; only
 * getApiKey(providerId) returns one.
 */
import type * as Y from 'yjs';
import { badInput, checkEnum, checkOptionalText, checkText, readEnum, readRecord, readString, setOptional } from './fields.ts';
import type { AgentId } from '../ids.ts';
import { PREFS, ROOT_META, SETTINGS } from './keys.ts';
import { readMeta, type DocMeta } from './meta.ts';
import { agentsSection, AUTO_TARGET, GENERAL_AGENT_ID, isChatTarget, parseChatTarget, type Agent, type ChatTarget } from './settings-agents.ts';
import { playbooksSection } from './settings-playbooks.ts';
import { pricesSection } from './settings-prices.ts';
import { checkSpendLimits, readSpendLimits, type SpendLimitKind, type SpendLimits } from './settings-limits.ts';
import { chatPresetsSection, type ChatPreset } from './settings-chat-presets.ts';
import { checkDelegationLimits, readDelegationLimits, type DelegationLimits } from './settings-delegation.ts';
import { checkUrl, parseProviderId, providersSection, type ProviderId, type ProviderSummary } from './settings-providers.ts';
import { makeWriter, observeRoots, type AccessorOptions } from './writer.ts';
import { guestLinksSection } from './settings-guests.ts';
import { checkBackupPolicy, readBackupLease, readBackupPolicy, type BackupPolicy, type StoredBackupLease } from './settings-backup.ts';
import { accountsSection } from './settings-accounts.ts';

export const THEMES = ['light', 'dark', 'system'] as const;
export type Theme = (typeof THEMES)[number];

export interface ModelRef {
  readonly provider: ProviderId;
  readonly model: string;
}

export interface SettingsState {
  readonly meta?: DocMeta;
  readonly providers: ProviderSummary[];
  readonly defaultModel?: ModelRef;
  readonly systemPrompt: string;
  readonly theme: Theme;
  readonly relayUrl?: string;
  readonly agents: Agent[];
  readonly defaultAgent: AgentId;
  readonly newChatTarget: ChatTarget;
  readonly routerModel?: ModelRef;
  readonly embeddingModel?: ModelRef;
  readonly delegation: DelegationLimits;
  readonly chatPresets: ChatPreset[];
}

function readModelRef(r: Record<string, unknown> | undefined): ModelRef | undefined {
  return typeof r?.provider === 'string' && typeof r.model === 'string' ? { provider: r.provider as ProviderId, model: r.model } : undefined;
}

const checkModelRef = (ref: ModelRef): ModelRef => ({ provider: parseProviderId(ref.provider), model: checkText(ref.model, 'model', 200) });

export function settingsDoc(doc: Y.Doc, options: AccessorOptions = {}) {
  const w = makeWriter(doc, 'settings', options);
  const prefs = doc.getMap<unknown>(SETTINGS.prefs);
  const providers = providersSection(doc, w);
  const agents = agentsSection(doc, w);
  const playbooks = playbooksSection(doc, w);
  const prices = pricesSection(doc, w);
  const chatPresets = chatPresetsSection(doc, w);
  const defaultModel = (): ModelRef | undefined => readModelRef(readRecord(prefs, PREFS.defaultModel));
  const routerModel = (): ModelRef | undefined => readModelRef(readRecord(prefs, PREFS.routerModel));
  const embeddingModel = (): ModelRef | undefined => readModelRef(readRecord(prefs, PREFS.embeddingModel));
  const delegation = (): DelegationLimits => readDelegationLimits(prefs.get(PREFS.delegation));
  const spendLimits = (): SpendLimits => readSpendLimits(prefs.get(PREFS.spendLimits));
  const backupPolicy = (): BackupPolicy => readBackupPolicy(prefs.get(PREFS.backupPolicy));
  const backupLease = (): StoredBackupLease | null => readBackupLease(prefs.get(PREFS.backupLease));
  /** The agent that answers when nothing else decides: the one chosen in Settings, else the general assistant, else the first. */
  const defaultAgent = (): Agent => {
    const chosen = readString(prefs, PREFS.defaultAgent);
    const all = agents.list();
    return all.find((a) => a.id === chosen) ?? all.find((a) => a.id === GENERAL_AGENT_ID) ?? all[0]!;
  };
  /** What a new chat targets; a removed agent reads as the default agent. */
  const newChatTarget = (): ChatTarget => {
    const t = prefs.get(PREFS.newChatTarget);
    if (t === AUTO_TARGET) return AUTO_TARGET;
    return isChatTarget(t) && agents.get(t as AgentId) !== undefined ? t : defaultAgent().id;
  };
  const systemPrompt = (): string => readString(prefs, PREFS.systemPrompt) ?? '';
  const theme = (): Theme => readEnum(prefs, PREFS.theme, THEMES) ?? 'system';
  const relayUrl = (): string | undefined => readString(prefs, PREFS.relayUrl);

  return {
    ...providers,
    agents,
    /** Guest links (settings-guests.ts); never part of toJSON. */
    guests: guestLinksSection(doc, w),
    /** Mail accounts and calendar sources (settings-accounts.ts); passwords never part of a summary. */
    accounts: accountsSection(doc, w),
    defaultModel,
    setDefaultModel(ref: ModelRef | undefined): void {
      const value = ref === undefined ? undefined : checkModelRef(ref);
      w.write(() => setOptional(prefs, PREFS.defaultModel, value));
    },
    /** The small, cheap model that picks an agent for a turn of an `auto` chat; absent: the default model. */
    routerModel,
    setRouterModel(ref: ModelRef | undefined): void {
      const value = ref === undefined ? undefined : checkModelRef(ref);
      w.write(() => setOptional(prefs, PREFS.routerModel, value));
    },
    /** The model agents' memory recall embeds text with (semantic search); absent: keyword search only. */
    embeddingModel,
    setEmbeddingModel(ref: ModelRef | undefined): void {
      const value = ref === undefined ? undefined : checkModelRef(ref);
      w.write(() => setOptional(prefs, PREFS.embeddingModel, value));
    },
    /** Approved plans saved to run again (settings-playbooks.ts). */
    playbooks,
    /** The user's own model prices, in place of the shipped table (settings-prices.ts). */
    prices,
    /** Named sets of a chat's model, system prompt and temperature (settings-chat-presets.ts). */
    chatPresets,
    /** How deep and how much agents may hand sub-tasks to each other (defaults when unset). */
    delegation,
    setDelegation(patch: Partial<DelegationLimits>): DelegationLimits {
      const value = checkDelegationLimits(patch, delegation());
      w.write(() => prefs.set(PREFS.delegation, { ...value }));
      return value;
    },
    /** The workspace's daily and monthly spending limits (settings-limits.ts). */
    spendLimits,
    setSpendLimits(patch: { readonly [K in SpendLimitKind]?: number | null }): SpendLimits {
      const value = checkSpendLimits(patch, spendLimits());
      w.write(() => prefs.set(PREFS.spendLimits, { ...value }));
      return value;
    },
    /** Automatic backups and their retention (settings-backup.ts). */
    backupPolicy,
    setBackupPolicy(patch: Partial<BackupPolicy>): BackupPolicy {
      const value = checkBackupPolicy(patch, backupPolicy());
      w.write(() => prefs.set(PREFS.backupPolicy, { ...value }));
      return value;
    },
    /** The device writing automatic backups, and until when; null: free. */
    backupLease,
    setBackupLease(lease: StoredBackupLease | null): void {
      w.write(() => setOptional(prefs, PREFS.backupLease, lease === null ? undefined : { device: lease.device, until: lease.until }));
    },
    defaultAgent,
    setDefaultAgent(id: AgentId | undefined): void {
      if (id !== undefined && agents.get(id) === undefined) badInput(`no agent ${id}`);
      w.write(() => setOptional(prefs, PREFS.defaultAgent, id));
    },
    newChatTarget,
    setNewChatTarget(target: ChatTarget): void {
      const t = parseChatTarget(target);
      if (t !== AUTO_TARGET && agents.get(t) === undefined) badInput(`no agent ${t}`);
      w.write(() => prefs.set(PREFS.newChatTarget, t));
    },
    systemPrompt,
    setSystemPrompt(text: string): void {
      const t = checkOptionalText(text, 'systemPrompt', 100_000);
      w.write(() => prefs.set(PREFS.systemPrompt, t));
    },
    theme,
    setTheme(value: Theme): void {
      const t = checkEnum(value, 'theme', THEMES);
      w.write(() => prefs.set(PREFS.theme, t));
    },
    relayUrl,
    setRelayUrl(url: string | undefined): void {
      const u = url === undefined ? undefined : checkUrl(url, 'relayUrl', ['ws:', 'wss:']);
      w.write(() => setOptional(prefs, PREFS.relayUrl, u));
    },
    observe(listener: () => void): () => void {
      const roots = [ROOT_META, ...Object.values(SETTINGS)].map((name) => doc.getMap<unknown>(name));
      return observeRoots(doc, roots, listener);
    },
    /** Everything but the keys (hasApiKey says whether one is set). */
    toJSON(): SettingsState {
      return {
        meta: readMeta(doc), providers: providers.providers(), defaultModel: defaultModel(), systemPrompt: systemPrompt(), theme: theme(), relayUrl: relayUrl(),
        agents: agents.list(), defaultAgent: defaultAgent().id, newChatTarget: newChatTarget(), routerModel: routerModel(), embeddingModel: embeddingModel(), delegation: delegation(),
        chatPresets: chatPresets.list(),
      };
    },
    toString(): string {
      return `[settings: ${providers.providers().length} providers]`;
    },
  };
}

export type SettingsDoc = ReturnType<typeof settingsDoc>;
