/**
 * Provider API keys for this device and this session only: held in this
 * tab's memory, never written to the settings document (so never synced,
 * never in a backup, never on disk), gone when the tab closes. The settings
 * view the tab's runners read (withSessionKeys) answers with a session key
 * first, and counts a provider that has one as having a key.
 */
import type { ApiKey, ProviderId, ProviderSummary, SettingsDoc } from '@tendril/crdt-schema/schema';

export class SessionKeys {
  private readonly keys = new Map<ProviderId, ApiKey>();
  private readonly listeners = new Set<() => void>();

  set(provider: ProviderId, key: string): void {
    this.keys.set(provider, key as ApiKey);
    this.changed();
  }

  forget(provider: ProviderId): void {
    if (this.keys.delete(provider)) this.changed();
  }

  has(provider: ProviderId): boolean {
    return this.keys.has(provider);
  }

  /** The providers that have a session key. */
  providers(): ProviderId[] {
    return [...this.keys.keys()];
  }

  get(provider: ProviderId): ApiKey | undefined {
    return this.keys.get(provider);
  }

  /** Forgets every key (the workspace closes or locks). */
  clear(): void {
    this.keys.clear();
    this.changed();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  toString(): string {
    return `[session keys: ${this.keys.size}]`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** The settings as this tab's runners see them: session keys first, stored keys otherwise. */
export function withSessionKeys(settings: SettingsDoc, session: SessionKeys): SettingsDoc {
  return {
    ...settings,
    providers: (): ProviderSummary[] => settings.providers().map((p) => (session.has(p.id) ? { ...p, hasApiKey: true } : p)),
    getApiKey: (id: ProviderId): ApiKey | undefined => session.get(id) ?? settings.getApiKey(id),
  };
}
