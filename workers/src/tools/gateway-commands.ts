/**
 * Running a command on a gateway's terminal session, as the worker sees it.
 * Workers depend only on this interface, injected where tools and plugin
 * hosts are made; the real one is the gateway package's SessionCommands
 * (the term protocol, with this device's keys for the session). Callers check
 * the `gateway-session` grant on the resolved session id before running.
 */

export interface GatewayCommandTarget {
  /** The gateway (its device id or name) that owns the session; optional when `session` is given. */
  readonly gateway?: string;
  /** The terminal session; when absent, a live session on the gateway this device may use. */
  readonly session?: string;
}

export interface GatewayCommandRequest extends GatewayCommandTarget {
  /** One shell command line, as typed. */
  readonly command: string;
  /** The gateway stops waiting for output after this long. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface GatewayCommandResult {
  /** Exit status; null when the command did not finish in time or the session cannot tell. */
  readonly exitCode: number | null;
  /** Terminal output the command produced (plain text, control sequences removed). */
  readonly output: string;
  readonly truncated: boolean;
  readonly timedOut?: boolean;
}

export interface GatewaySessionInfo {
  readonly session: string;
  readonly gateway: string;
  readonly gatewayName: string;
  readonly title: string;
}

export interface GatewayCommands {
  /** The session a target names (or the first live one on the gateway); throws a TendrilError when there is none. */
  resolve(target: GatewayCommandTarget): GatewaySessionInfo;
  /** Live sessions this device can reach (for the tool's description). */
  available(): GatewaySessionInfo[];
  run(request: GatewayCommandRequest & { readonly session: string }): Promise<GatewayCommandResult>;
}

export const GATEWAY_COMMAND_LIMITS = {
  maxCommandChars: 4000,
  defaultTimeoutMs: 30_000,
  maxTimeoutMs: 300_000,
  maxOutputChars: 20_000,
} as const;
