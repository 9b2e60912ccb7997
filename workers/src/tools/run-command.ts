/**
 * The `run_command` tool: one command line on a gateway's terminal session,
 * when the user granted the agent that session (`gateway-session` on the
 * session id). The tool's description lists the live sessions the worker can
 * reach; the session is reached through the injected GatewayCommands.
 */
import type { AccessGate } from '../plugins/access-gate.ts';
import { GATEWAY_COMMAND_LIMITS, type GatewayCommands } from './gateway-commands.ts';
import type { AgentTool } from './tool.ts';

const BASE_DESCRIPTION = 'Run one shell command line in a terminal session the user allowed, and return its output and exit code.';

function describeSessions(gateway: GatewayCommands, granted: readonly string[]): string {
  const usable = gateway.available().filter((s) => granted.includes(s.session) || granted.includes('*'));
  if (usable.length === 0) return `${BASE_DESCRIPTION} No session is available right now.`;
  return `${BASE_DESCRIPTION} Sessions: ${usable.map((s) => `${s.session} ("${s.title}" on ${s.gatewayName || s.gateway})`).join('; ')}.`;
}

export function runCommandTool(o: { gate: AccessGate; gateway: GatewayCommands }): AgentTool {
  return {
    kind: 'gateway-session',
    get spec() {
      return {
        name: 'run_command',
        description: describeSessions(o.gateway, o.gate.granted('gateway-session')),
        parameters: {
          type: 'object',
          properties: {
            session: { type: 'string', description: 'The terminal session id.' },
            gateway: { type: 'string', description: 'The gateway (id or name), to use its first session when no session is given.' },
            command: { type: 'string', description: 'The command line to run.' },
            timeout_seconds: { type: 'integer', minimum: 1, maximum: GATEWAY_COMMAND_LIMITS.maxTimeoutMs / 1000 },
          },
          required: ['command'],
          additionalProperties: false,
        },
      };
    },
    async run(args, ctx) {
      const gateway = typeof args.gateway === 'string' ? args.gateway.slice(0, 200) : undefined;
      const named = typeof args.session === 'string' ? args.session.slice(0, 200) : undefined;
      const command = typeof args.command === 'string' ? args.command : '';
      if ((!gateway && !named) || command.trim() === '') return 'error: a session (or gateway) and a command are required';
      if (command.length > GATEWAY_COMMAND_LIMITS.maxCommandChars) return `error: the command is longer than ${GATEWAY_COMMAND_LIMITS.maxCommandChars} characters`;
      const seconds = typeof args.timeout_seconds === 'number' ? args.timeout_seconds : GATEWAY_COMMAND_LIMITS.defaultTimeoutMs / 1000;
      const timeoutMs = Math.max(1000, Math.min(GATEWAY_COMMAND_LIMITS.maxTimeoutMs, Math.floor(seconds * 1000)));
      const shown = command.slice(0, 300);
      let session: string;
      try {
        session = o.gateway.resolve({ ...(gateway ? { gateway } : {}), ...(named ? { session: named } : {}) }).session;
      } catch (e) {
        o.gate.require('gateway-session', named ?? gateway ?? '-', `run \`${shown}\``);
        throw e;
      }
      const r = await o.gate.guard('gateway-session', session, () => o.gateway.run({ session, command, timeoutMs, signal: ctx.signal }),
        (res) => `ran \`${shown}\` -> exit ${res.exitCode ?? 'unknown'}${res.timedOut ? ' (timed out)' : ''}`, `run \`${shown}\``);
      const output = r.output.length > GATEWAY_COMMAND_LIMITS.maxOutputChars ? r.output.slice(-GATEWAY_COMMAND_LIMITS.maxOutputChars) : r.output;
      const status = r.timedOut ? 'timed out' : `exit code ${r.exitCode ?? 'unknown'}`;
      return `${status}${r.truncated || output.length < r.output.length ? ' (output truncated)' : ''}\n${output}`;
    },
  };
}
