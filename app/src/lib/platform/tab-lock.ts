/**
 * One tab per device. Two tabs running the same device identity would both
 * seal envelopes with the same author counters, and peers would refuse one of
 * them as a replay. An exclusive Web Lock, held for the life of the tab, makes
 * the second tab wait (and say so) instead.
 */

const LOCK_NAME = 'tendril-device';

/**
 * Resolves true once this tab holds the device lock (at once, or after
 * `onWaiting` was called and the other tab closed). Browsers without Web
 * Locks get the lock at once.
 */
export function acquireDeviceLock(onWaiting: () => void): Promise<boolean> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks) return Promise.resolve(true);
  return new Promise((resolve) => {
    const hold = () => new Promise<void>(() => resolve(true));
    void locks.request(LOCK_NAME, { ifAvailable: true }, (lock) => {
      if (lock) return hold();
      onWaiting();
      void locks.request(LOCK_NAME, hold);
      return undefined;
    });
  });
}
