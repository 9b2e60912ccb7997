/**
 * Running a command on a gateway's terminal session, as the worker sees it.
 * The gateway side is built separately; workers depend only on this
 * interface, injected where tools and plugin hosts are made. Callers have
 * already checked the gateway-session grant: an implementation just runs.
 */

export interface GatewayCommandRequest {
  /** The gateway (its device id) that owns the session. */
  readonly gateway: string;
  /** The terminal session to run in; the gateway picks or starts one when absent. */
  readonly session?: string;
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

export interface GatewayCommands {
  run(request: GatewayCommandRequest): Promise<GatewayCommandResult>;
}

export const GATEWAY_COMMAND_LIMITS = {
  maxCommandChars: 4000,
  defaultTimeoutMs: 30_000,
  maxTimeoutMs: 300_000,
  maxOutputChars: 20_000,
} as const;
