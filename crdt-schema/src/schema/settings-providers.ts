/**
 * The model providers of the settings document. API keys are secrets: every
 * summary and list leaves them out and says only whether one is set; the key
 * itself comes only from getApiKey().
 */
import * as Y from 'yjs';
import type { Brand } from '../ids.ts';
import { badInput, checkEnum, checkText, compareStrings, entryOf, readBool, readEnum, readString, requireEntry, setOptional, type YMap } from './fields.ts';
import { PROVIDER_ENTRY, SETTINGS } from './keys.ts';
import type { Writer } from './writer.ts';

/** A provider's slug, chosen by the user ("openai", "local-ollama"). */
export type ProviderId = Brand<string, 'ProviderId'>;
/** A provider API key: a secret, never logged or summarised. */
export type ApiKey = Brand<string, 'ApiKey'>;

export const PROVIDER_KINDS = ['openai', 'anthropic', 'gemini', 'ollama'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** A provider without its key. */
export interface ProviderSummary {
  readonly id: ProviderId;
  readonly kind: ProviderKind;
  readonly baseUrl?: string;
  readonly models: string[];
  readonly enabled: boolean;
  readonly hasApiKey: boolean;
}

export interface ProviderInput {
  readonly id: ProviderId;
  readonly kind: ProviderKind;
  readonly baseUrl?: string;
  readonly models?: readonly string[];
  readonly enabled?: boolean;
}

const PROVIDER_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function parseProviderId(v: unknown): ProviderId {
  if (typeof v !== 'string' || !PROVIDER_ID.test(v)) badInput('a provider id is 1..64 of a-z, 0-9 and -');
  return v as ProviderId;
}

export function checkUrl(v: unknown, name: string, protocols: readonly string[]): string {
  const text = checkText(v, name, 2000);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return badInput(`${name} is not a URL`);
  }
  if (!protocols.includes(url.protocol)) badInput(`${name} must use ${protocols.join(' or ')}`);
  return text;
}

function checkModels(models: readonly string[]): string[] {
  if (!Array.isArray(models) || models.length > 500) badInput('models is a list of at most 500 names');
  return models.map((m) => checkText(m, 'model', 200));
}

function readProvider(id: string, m: YMap): ProviderSummary | undefined {
  const kind = readEnum(m, PROVIDER_ENTRY.kind, PROVIDER_KINDS);
  if (kind === undefined) return undefined;
  const models = m.get(PROVIDER_ENTRY.models);
  return {
    id: id as ProviderId,
    kind,
    baseUrl: readString(m, PROVIDER_ENTRY.baseUrl),
    models: Array.isArray(models) ? models.filter((x): x is string => typeof x === 'string') : [],
    enabled: readBool(m, PROVIDER_ENTRY.enabled),
    hasApiKey: readString(m, PROVIDER_ENTRY.apiKey) !== undefined,
  };
}

export function providersSection(doc: Y.Doc, w: Writer) {
  const providers = doc.getMap<unknown>(SETTINGS.providers);
  const edit = (id: ProviderId, change: (m: YMap) => void): void => {
    const m = requireEntry(providers, parseProviderId(id), 'provider');
    w.write(() => change(m));
  };
  const list = (): ProviderSummary[] => {
    const out: ProviderSummary[] = [];
    for (const id of providers.keys()) {
      const m = entryOf(providers, id);
      const p = m === undefined ? undefined : readProvider(id, m);
      if (p !== undefined) out.push(p);
    }
    return out.sort((a, b) => compareStrings(a.id, b.id));
  };
  return {
    /** Adds a provider or updates its kind, URL, models and enabled flag; the key is untouched. */
    upsertProvider(input: ProviderInput): ProviderSummary {
      const id = parseProviderId(input.id);
      const kind = checkEnum(input.kind, 'kind', PROVIDER_KINDS);
      const baseUrl = input.baseUrl === undefined ? undefined : checkUrl(input.baseUrl, 'baseUrl', ['http:', 'https:']);
      const models = input.models === undefined ? undefined : checkModels(input.models);
      const existing = entryOf(providers, id);
      const m: YMap = existing ?? new Y.Map<unknown>();
      w.write(() => {
        if (existing === undefined) {
          providers.set(id, m);
          m.set(PROVIDER_ENTRY.enabled, input.enabled ?? true);
          m.set(PROVIDER_ENTRY.models, models ?? []);
        } else {
          if (input.enabled !== undefined) m.set(PROVIDER_ENTRY.enabled, input.enabled);
          if (models !== undefined) m.set(PROVIDER_ENTRY.models, models);
        }
        m.set(PROVIDER_ENTRY.kind, kind);
        setOptional(m, PROVIDER_ENTRY.baseUrl, baseUrl);
      });
      return readProvider(id, m)!;
    },
    removeProvider(id: ProviderId): void {
      if (providers.has(id)) w.write(() => providers.delete(id));
    },
    setProviderEnabled(id: ProviderId, enabled: boolean): void {
      edit(id, (m) => m.set(PROVIDER_ENTRY.enabled, enabled === true));
    },
    setModels(id: ProviderId, models: readonly string[]): void {
      const list = checkModels(models);
      edit(id, (m) => m.set(PROVIDER_ENTRY.models, list));
    },
    /** Stores or (with undefined) clears a provider's API key. */
    setApiKey(id: ProviderId, key: string | undefined): void {
      const k = key === undefined ? undefined : checkText(key, 'apiKey', 1000);
      edit(id, (m) => setOptional(m, PROVIDER_ENTRY.apiKey, k));
    },
    /** The one way to read a key. Do not log the result. */
    getApiKey(id: ProviderId): ApiKey | undefined {
      const m = entryOf(providers, id);
      return m === undefined ? undefined : (readString(m, PROVIDER_ENTRY.apiKey) as ApiKey | undefined);
    },
    provider(id: ProviderId): ProviderSummary | undefined {
      const m = entryOf(providers, id);
      return m === undefined ? undefined : readProvider(id, m);
    },
    /** Providers by id, without keys. */
    providers: list,
  };
}
