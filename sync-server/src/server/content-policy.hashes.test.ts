import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, inlineScriptHashes } from './content-policy.ts';

const sha = (s: string): string => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

describe('content policy', () => {
  it('hashes each inline script exactly as written and skips scripts loaded by src', () => {
    const boot = '\n\t\t\t{ __sveltekit = { base: "" }; import("./app.js"); }\n\t\t';
    const html = `<head><script type="module" src="/a.js"></script><SCRIPT type="module">${boot}</SCRIPT><script>é</script></head>`;
    expect(inlineScriptHashes(html)).toEqual([sha(boot), sha('é')]);
    expect(inlineScriptHashes('<!doctype html><p>no scripts</p>')).toEqual([]);
  });

  it('allows no inline script without a hash, no eval, no plugins, no framing and no foreign connections', () => {
    const csp = contentSecurityPolicy([sha('x')]);
    const d = new Map(csp.split('; ').map((part) => [part.split(' ')[0]!, part.split(' ').slice(1)]));
    expect(d.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'", sha('x')]);
    expect(csp).not.toContain("'unsafe-eval'");
    expect(d.get('script-src')).not.toContain("'unsafe-inline'");
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.get('connect-src')!.filter((s) => !/^https?:\/\/(localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0|\*\.local):\*$/.test(s))).toEqual(["'self'", 'https://api.anthropic.com']);
  });
});
