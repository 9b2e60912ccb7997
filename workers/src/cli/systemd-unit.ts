/**
 * The systemd user unit `tendril gateway install` writes: the gateway for one
 * home, restarted when it fails, stopped with SIGTERM on the main process
 * only (KillMode=process), so shells kept in tmux survive a restart of the
 * service as they survive a restart by hand. Arguments are quoted for
 * systemd's command-line syntax (spaces, quotes, backslashes, `%` and `$`).
 */

export interface GatewayUnit {
  /** The node binary and the tendril entry point. */
  readonly node: string;
  readonly entry: string;
  /** `gateway --home DIR ...` as the service runs it. */
  readonly args: readonly string[];
  readonly home: string;
}

/** One argument in systemd's ExecStart syntax. */
export function systemdQuote(arg: string): string {
  const escaped = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** The unit's file name for a home: `tendril-gateway-NAME.service`, NAME from the home folder's name. */
export function unitName(home: string): string {
  const base = home.replace(/\/+$/, '').split('/').pop() ?? '';
  const name = base.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'home';
  return `tendril-gateway-${name}.service`;
}

export function renderUnit(u: GatewayUnit): string {
  if (/[\n\r]/.test(u.home)) throw new Error('a home path with a line break cannot go into a unit file');
  return [
    '[Unit]',
    `Description=Tendril gateway (${u.home.replace(/%/g, '%%')})`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${[u.node, u.entry, ...u.args].map(systemdQuote).join(' ')}`,
    'Restart=on-failure',
    'RestartSec=5',
    '# Only the gateway gets SIGTERM: shells kept in tmux live on and are picked up again on start.',
    'KillMode=process',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}
