/** Gateway log lines become JSON with the session and device they are about, through the relay's logger. */
import { describe, expect, it } from 'vitest';
import { jsonLogger } from '@tendril/sync-server';
import { gatewayLog } from './gateway-log.ts';

const SESSION = 'AAAAAAAAAAAAAAAAAAAAAA';
const DEVICE = 'BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA';

function lines(...input: string[]): Record<string, unknown>[] {
  const out: string[] = [];
  const log = gatewayLog(jsonLogger((l) => out.push(l), () => 0));
  for (const l of input) log(l);
  return out.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('the gateway log', () => {
  it('names the session and the device of a line, and warns on refusals', () => {
    expect(lines(`session ${SESSION}: input dropped (not-writer) from ${DEVICE}, 3 bytes`)).toEqual([
      { t: '1970-01-01T00:00:00.000Z', level: 'warn', event: 'gateway.session', session: SESSION, device: DEVICE, msg: `session ${SESSION}: input dropped (not-writer) from ${DEVICE}, 3 bytes` },
    ]);
    expect(lines(`session ${SESSION}: started for ${DEVICE}`)[0]).toMatchObject({ level: 'info', session: SESSION, device: DEVICE });
  });

  it('takes the ids the gateway names over what the text holds', () => {
    const out: string[] = [];
    gatewayLog(jsonLogger((l) => out.push(l), () => 0))(`ssh: key x added (by ${DEVICE})`, { device: 'named' });
    expect(JSON.parse(out[0]!)).toMatchObject({ event: 'gateway.ssh', device: 'named' });
  });

  it('does not take a key fingerprint for a device', () => {
    const fp = 'SHA256:CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCA';
    expect(lines(`ssh: key abc (laptop, ${fp}) added (by ${DEVICE})`)[0]).toMatchObject({ device: DEVICE });
    expect(lines(`ssh: support access (x) expired and was removed ${fp}`)[0]).not.toHaveProperty('device');
  });

  it('marks SSH administration lines and keeps other lines whole', () => {
    expect(lines(`ssh: request 12 (add) from ${DEVICE} refused (E_FORBIDDEN: no)`)[0]).toMatchObject({ level: 'warn', event: 'gateway.ssh', device: DEVICE });
    const [plain] = lines('output flood: 10 bytes dropped from the send queue');
    expect(plain).toMatchObject({ event: 'gateway', level: 'warn' });
    expect(plain).not.toHaveProperty('session');
    expect(plain).not.toHaveProperty('device');
  });
});
