/**
 * The RelayStore acceptance suite. Every implementation runs it from its own
 * `*.acceptance.test.ts`:
 *
 *   runRelayStoreTests('sqlite', () => openSqliteStore({ path }), { reopen })
 *
 * `makeStore` returns a fresh, empty store per test; the suite closes it.
 * `reopen`, for persistent stores, closes a store and opens the same data again.
 */
import { afterEach, describe } from 'vitest';
import type { RelayStore } from './types.ts';
import { registryTests } from './acceptance-registry.ts';
import { logTests } from './acceptance-log.ts';
import { snapshotTests } from './acceptance-snapshot.ts';
import { blobTests } from './acceptance-blobs.ts';
import { reopenTests } from './acceptance-reopen.ts';
import { storedBlobReopenTests, storedBlobTests } from './acceptance-stored-blobs.ts';

export interface RelayStoreTestOptions {
  /** Closes `store` and returns a store over the same data (persistent implementations only). */
  reopen?: (store: RelayStore) => Promise<RelayStore>;
}

/** What each group of tests gets: a way to open a store that is closed after the test. */
export interface StoreHarness {
  open(): Promise<RelayStore>;
  reopen?: (store: RelayStore) => Promise<RelayStore>;
  /** Registers a store opened by `reopen` for closing. */
  track(store: RelayStore): RelayStore;
}

export function runRelayStoreTests(
  name: string,
  makeStore: () => RelayStore | Promise<RelayStore>,
  options: RelayStoreTestOptions = {},
): void {
  describe(`RelayStore acceptance: ${name}`, () => {
    const open = new Set<RelayStore>();
    const track = (store: RelayStore): RelayStore => {
      open.add(store);
      return store;
    };
    const harness: StoreHarness = {
      open: async () => track(await makeStore()),
      reopen: options.reopen,
      track,
    };
    afterEach(async () => {
      for (const store of open) await store.close().catch(() => undefined);
      open.clear();
    });
    registryTests(harness);
    logTests(harness);
    snapshotTests(harness);
    blobTests(harness);
    storedBlobTests(harness);
    if (options.reopen) {
      reopenTests(harness);
      storedBlobReopenTests(harness);
    }
  });
}
