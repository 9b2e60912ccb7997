/**
 * The gateway's log lines as structured JSON, through the relay's logger
 * (sync-server `jsonLogger`): each line keeps its text (`msg`) and gets the
 * session it is about (as the gateway names it, or from a line that reads
 * `session ID: ...`), the device (as the gateway names it, or the first
 * device id in the line), an event (`gateway.session`, `gateway.ssh`, `gateway`) and a level
 * (`warn` for refusals and failures).
 */
import type { GatewayLog } from '@tendril/gateway';
import type { Logger } from '@tendril/sync-server';

const SESSION_LINE = /^session ([A-Za-z0-9_-]{22}): /;
// A 43-character base64url word; `SHA256:` fingerprints of SSH keys have the same length and are not devices.
const DEVICE_ID = /(?<![A-Za-z0-9_+/:-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_+/=-])/;
const TROUBLE = /refused|failed|dropped|could not|not started|not measured|no owner/;

export function gatewayLog(logger: Logger): GatewayLog {
  return (line, ids) => {
    const session = ids?.session ?? SESSION_LINE.exec(line)?.[1];
    // Ids the gateway named win; a line without them is searched for a device id.
    const device = ids ? ids.device : DEVICE_ID.exec(session ? line.slice(31) : line)?.[0];
    const event = session ? 'gateway.session' : line.startsWith('ssh: ') ? 'gateway.ssh' : 'gateway';
    const fields = { msg: line, ...(session ? { session } : {}), ...(device ? { device } : {}) };
    if (TROUBLE.test(line)) logger.warn(event, fields);
    else logger.info(event, fields);
  };
}
