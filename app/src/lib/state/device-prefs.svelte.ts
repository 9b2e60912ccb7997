/**
 * This device's view preferences as reactive state (device-prefs.ts): loaded
 * once the workspace opens, saved sealed on the device on each change, never
 * written to the synced settings.
 */
import type { Theme } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { devicePrefsStore, type Density, type DevicePrefs, type DevicePrefsStore } from '../session/device-prefs.ts';

export class DevicePrefsState {
  prefs = $state.raw<DevicePrefs>({});
  loaded = $state(false);
  private readonly store: DevicePrefsStore;

  constructor(session: WorkspaceSession) {
    const home = session.home;
    this.store = devicePrefsStore({ crypto: session.crypto, workspace: home.config.workspace, device: home.identity.deviceId, localKey: home.localKey, storeFor: (d) => home.storeFor(d) });
    void this.store.load().catch(() => ({})).then((p) => {
      this.prefs = { ...p, ...this.prefs };
      this.loaded = true;
    });
  }

  private set(change: DevicePrefs): Promise<void> {
    this.prefs = { ...this.prefs, ...change };
    return this.store.save(this.prefs);
  }

  setTheme(theme: Theme): Promise<void> {
    return this.set({ theme });
  }

  setDensity(density: Density): Promise<void> {
    return this.set({ density });
  }

  setIdleHours(idleHours: number): Promise<void> {
    return this.set({ idleHours });
  }
}
