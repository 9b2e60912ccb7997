/**
 * The settings document: model providers (settings-providers.ts), the
 * default model, the system prompt, the theme and the relay URL. Provider API
 * keys never appear in a summary, JSON form or string form; only
 * getApiKey(providerId) returns one.
 */
import type * as Y from 'yjs';
import { checkEnum, checkOptionalText, checkText, readEnum, readRecord, readString, setOptional } from './fields.ts';
import { PREFS, ROOT_META, SETTINGS } from './keys.ts';
import { readMeta, type DocMeta } from './meta.ts';
import { checkUrl, parseProviderId, providersSection, type ProviderId, type ProviderSummary } from './settings-providers.ts';
import { makeWriter, observeRoots, type AccessorOptions } from './writer.ts';

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
}

export function settingsDoc(doc: Y.Doc, options: AccessorOptions = {}) {
  const w = makeWriter(doc, 'settings', options);
  const prefs = doc.getMap<unknown>(SETTINGS.prefs);
  const providers = providersSection(doc, w);
  const defaultModel = (): ModelRef | undefined => {
    const r = readRecord(prefs, PREFS.defaultModel);
    return typeof r?.provider === 'string' && typeof r.model === 'string' ? { provider: r.provider as ProviderId, model: r.model } : undefined;
  };
  const systemPrompt = (): string => readString(prefs, PREFS.systemPrompt) ?? '';
  const theme = (): Theme => readEnum(prefs, PREFS.theme, THEMES) ?? 'system';
  const relayUrl = (): string | undefined => readString(prefs, PREFS.relayUrl);

  return {
    ...providers,
    defaultModel,
    setDefaultModel(ref: ModelRef | undefined): void {
      const value = ref === undefined ? undefined : { provider: parseProviderId(ref.provider), model: checkText(ref.model, 'model', 200) };
      w.write(() => setOptional(prefs, PREFS.defaultModel, value));
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
      return { meta: readMeta(doc), providers: providers.providers(), defaultModel: defaultModel(), systemPrompt: systemPrompt(), theme: theme(), relayUrl: relayUrl() };
    },
    toString(): string {
      return `[settings: ${providers.providers().length} providers]`;
    },
  };
}

export type SettingsDoc = ReturnType<typeof settingsDoc>;
