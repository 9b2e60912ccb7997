// The startup watch: which hash change the root layout follows once the router listens. The window is
// an EventTarget with a location the test moves, as the browser and the router do.
import { describe, expect, it } from 'vitest';
import { createStartupHash, type HashSource } from './startup-hash.ts';

const ROOT = 'http://127.0.0.1:8080/';
const LINK = `${ROOT}#/join/tok.sec`;

function tab(href = ROOT) {
  const target = new EventTarget();
  const location = { href };
  type Listener = (event: { readonly newURL: string }) => void;
  const source: HashSource = {
    location,
    addEventListener: (type: string, listener: Listener) => target.addEventListener(type, listener as unknown as EventListener),
    removeEventListener: (type: string, listener: Listener) => target.removeEventListener(type, listener as unknown as EventListener),
  };
  return {
    location,
    source,
    /** A hash change: the URL moves and `popstate` fires at once; `hashchange` is dispatched by `hashchangeLater`. */
    moveTo(url: string) {
      location.href = url;
      target.dispatchEvent(new Event('popstate'));
    },
    hashchangeLater(newURL: string) {
      target.dispatchEvent(Object.assign(new Event('hashchange'), { newURL }));
    },
  };
}

describe('startup hash', () => {
  it('follows nothing when the hash did not change while the router started', () => {
    const t = tab();
    const watch = createStartupHash();
    watch.watch(t.source);
    expect(watch.settle(new URL(ROOT))).toBeNull();
  });

  it('follows a link the router reverted after reading the URL it started on', () => {
    const t = tab();
    const watch = createStartupHash();
    watch.watch(t.source);
    t.moveTo(LINK);
    t.location.href = ROOT; // the router writes back the URL it read
    expect(watch.settle(new URL(ROOT))).toBe(LINK);
  });

  it('takes the URL from a hashchange dispatched after the router reverted it', () => {
    const t = tab();
    const watch = createStartupHash();
    watch.watch(t.source);
    t.location.href = LINK;
    t.location.href = ROOT;
    t.hashchangeLater(LINK);
    expect(watch.settle(new URL(ROOT))).toBe(LINK);
  });

  it('follows the latest of several changes', () => {
    const t = tab();
    const watch = createStartupHash();
    watch.watch(t.source);
    t.moveTo(`${ROOT}#/devices`);
    t.moveTo(LINK);
    expect(watch.settle(new URL(ROOT))).toBe(LINK);
  });

  it('follows nothing when the router already shows the hash, escaped or not', () => {
    const t = tab();
    const watch = createStartupHash();
    watch.watch(t.source);
    t.moveTo(`${ROOT}#/join/a%2Bb.sec`);
    expect(watch.settle(new URL(`${ROOT}#/join/a+b.sec`))).toBeNull();
  });

  it('stops recording once settled: later changes are the router’s to handle', () => {
    const t = tab();
    const watch = createStartupHash();
    watch.watch(t.source);
    expect(watch.settle(new URL(ROOT))).toBeNull();
    t.moveTo(LINK);
    t.hashchangeLater(LINK);
    expect(watch.settle(new URL(ROOT))).toBeNull();
  });
});
