/**
 * The `run_command` tool: one command line on a gateway's terminal session,
 * when the user granted the agent that gateway (gateway-session). The
 * gateway is reached through the injected GatewayCommands.
 */
import type { AccessGate } from '../plugins/access-gate.ts';
import { GATEWAY_COMMAND_LIMITS, type GatewayCommands } from './gateway-commands.ts';
import type { AgentTool } from './tool.ts';

export function runCommandTool(o: { gate: AccessGate; gateway: GatewayCommands }): AgentTool {
  return {
    kind: 'gateway-session',
    spec: {
      name: 'run_command',
      description: 'Run one shell command line in a terminal session on a gateway the user allowed, and return its output and exit code.',
      parameters: {
        type: 'object',
        properties: {
          gateway: { type: 'string', description: 'The gateway id.' },
          session: { type: 'string', description: 'The terminal session id (optional).' },
          command: { type: 'string', description: 'The command line to run.' },
          timeout_seconds: { type: 'integer', minimum: 1, maximum: GATEWAY_COMMAND_LIMITS.maxTimeoutMs / 1000 },
        },
        required: ['gateway', 'command'],
        additionalProperties: false,
      },
    },
    async run(args, ctx) {
      const gateway = typeof args.gateway === 'string' ? args.gateway.slice(0, 200) : '';
      const command = typeof args.command === 'string' ? args.command : '';
      if (gateway === '' || command.trim() === '') return 'error: gateway and command are required';
      if (command.length > GATEWAY_COMMAND_LIMITS.maxCommandChars) return `error: the command is longer than ${GATEWAY_COMMAND_LIMITS.maxCommandChars} characters`;
      const session = typeof args.session === 'string' ? args.session.slice(0, 200) : undefined;
      const seconds = typeof args.timeout_seconds === 'number' ? args.timeout_seconds : GATEWAY_COMMAND_LIMITS.defaultTimeoutMs / 1000;
      const timeoutMs = Math.max(1000, Math.min(GATEWAY_COMMAND_LIMITS.maxTimeoutMs, Math.floor(seconds * 1000)));
      const shown = command.slice(0, 300);
      const r = await o.gate.guard('gateway-session', gateway, () => o.gateway.run({ gateway, command, timeoutMs, signal: ctx.signal, ...(session ? { session } : {}) }),
        (res) => `ran \`${shown}\` -> exit ${res.exitCode ?? 'unknown'}${res.timedOut ? ' (timed out)' : ''}`, `run \`${shown}\``);
      const output = r.output.length > GATEWAY_COMMAND_LIMITS.maxOutputChars ? r.output.slice(-GATEWAY_COMMAND_LIMITS.maxOutputChars) : r.output;
      const status = r.timedOut ? 'timed out' : `exit code ${r.exitCode ?? 'unknown'}`;
      return `${status}${r.truncated || output.length < r.output.length ? ' (output truncated)' : ''}\n${output}`;
    },
  };
}
