/**
 * How the gateway logs: one line of text per event, with the ids of the
 * session and the device it is about when there are any, so a program can
 * write them as structured fields (the CLI writes JSON lines through the
 * relay's logger: workers/src/cli/gateway-log.ts) and a test can still read
 * the text.
 */
export interface LogIds {
  readonly session?: string;
  readonly device?: string;
}

export type GatewayLog = (line: string, ids?: LogIds) => void;
