/**
 * `tendril gateway install` writes a systemd user unit for the home into the
 * folder given (never the real one in tests), running the gateway with the
 * flags given and absolute paths, and prints how to enable it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliOk, ROOT, tempDir } from './harness.ts';

describe('tendril gateway install', () => {
  const dir = tempDir('gw-install');
  afterAll(() => dir.remove());

  it('writes the unit and says how to turn it on', async () => {
    const home = join(dir.path, 'my gw');
    const units = join(dir.path, 'units');
    const r = await cliOk('gateway', 'install', '--home', home, '--unit-dir', units, '--name', 'laptop', '--authorized-keys', 'keys/ak', '--no-tmux');
    const path = join(units, 'tendril-gateway-my-gw.service');
    expect(r.out[0]).toBe(`wrote ${path}`);
    expect(r.out).toContain('  systemctl --user enable --now tendril-gateway-my-gw.service');
    expect(r.out).toContain('  systemctl --user daemon-reload');
    const unit = readFileSync(path, 'utf8');
    expect(unit).toContain(`ExecStart=node ${join(ROOT, 'workers/bin/tendril.js')} gateway --home "${home}" --name laptop --authorized-keys ${join(ROOT, 'keys/ak')} --no-tmux\n`);
    expect(unit).toMatch(/^KillMode=process$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^WantedBy=default\.target$/m);
  });

  it('quotes what systemd would expand', async () => {
    const units = join(dir.path, 'units2');
    await cliOk('gateway', 'install', '--home', join(dir.path, 'h'), '--unit-dir', units, '--name', 'a $HOME 100%');
    expect(readFileSync(join(units, 'tendril-gateway-h.service'), 'utf8')).toContain('--name "a $$HOME 100%%"');
  });
});
