/**
 * The `tendril` CLI: the one place that reads process.argv, process.env and
 * signals for it. Every command exits non-zero with a one-line reason on error.
 */
import { isTendrilError } from '@tendril/crdt-schema/errors';
import { AGENT_USAGE, cmdAgent } from './cmd-agent.ts';
import { cmdPlan, PLAN_USAGE } from './cmd-plan.ts';
import { cmdPlaybook, PLAYBOOK_USAGE } from './cmd-playbook.ts';
import { cmdChat } from './cmd-chat.ts';
import { BACKUP_USAGE, cmdBackup } from './cmd-backup.ts';
import { cmdDevices } from './cmd-devices.ts';
import { cmdInit } from './cmd-init.ts';
import { cmdInvite } from './cmd-invite.ts';
import { cmdJoin } from './cmd-join.ts';
import { cmdRelay } from './cmd-relay.ts';
import { cmdRelayAdmin } from './cmd-relay-admin.ts';
import { cmdSync } from './cmd-sync.ts';
import { cmdGateway } from './cmd-gateway.ts';
import { cmdTerm } from './cmd-term.ts';
import { cmdSsh, SSH_USAGE } from './cmd-ssh.ts';
import { cmdUsage, USAGE_USAGE } from './cmd-usage.ts';
import { cmdLimits, LIMITS_USAGE } from './cmd-limits.ts';
import { cmdWorker } from './cmd-worker.ts';
import { cmdGuest, GUEST_USAGE } from './cmd-guest.ts';
import { cmdPlugin, PLUGIN_USAGE } from '../plugins/plugin-cli.ts';
import { askLine } from './ask-line.ts';
import { readAll } from './read-input.ts';
import type { CliContext } from './context.ts';

const USAGE = `usage: tendril <command> [options]
  relay  [--port P] [--host H] [--data DIR]
  relay-admin keygen --key FILE | kill|revive --relay URL --key FILE [--provider all|openai|anthropic|gemini|fetch]
  init   --home DIR --relay URL [--name NAME]
  invite --home DIR [--role device|viewer|gateway|worker] [--expires 10m] [--confirm | --yes-code CODE]
  join   --home DIR LINK|- [--name NAME] [--timeout S] [--confirm-timeout S]
  sync   --home DIR
  chat   new --home DIR --title TITLE [--agent NAME|auto] [--plan] | send --home DIR CHAT TEXT|- [--plan] | show --home DIR CHAT [--json] [--wait-for TEXT] [--timeout S] | list --home DIR [--json] | export --home DIR CHAT [--format md|json]
  devices list|revoke --home DIR [ID]
  ${BACKUP_USAGE}
  ${USAGE_USAGE}
  ${LIMITS_USAGE}
  ${AGENT_USAGE}
  ${PLAN_USAGE}
  ${PLAYBOOK_USAGE}
  ${GUEST_USAGE}
  worker --home DIR [--name NAME] [--provider openai|anthropic|gemini|ollama --base-url URL --model M --api-key-env VAR] [--no-plugins] [--no-tools] [--plugin-time-limit S] [--max-plugin-runs N] [--plugin-memory-mb MB] [--announce-ms MS]
  ${PLUGIN_USAGE}
  gateway install --home DIR [--unit-dir DIR] [gateway flags]
  gateway --home DIR [--log-format json|text] [--name NAME] [--max-sessions 5] [--shell PATH] [--cwd DIR] [--announce-ms MS] [--authorized-keys PATH] [--support-key LINE]
  ${SSH_USAGE}
  term   new --home DIR --gateway NAME [--cwd DIR] [--agent claude|codex|gemini|shell] [--notes TEXT] | send --home DIR SESSION TEXT | show --home DIR SESSION [--wait-for TEXT] [--timeout S] | writers --home DIR SESSION [--add DEVICE] [--remove DEVICE] | upload --home DIR SESSION LOCAL [REMOTE] [--overwrite] | download --home DIR SESSION REMOTE [LOCAL] [--overwrite]
TENDRIL_HOME may replace --home. A - in place of TEXT or LINK reads it from standard input (kept out of ps).`;

const COMMANDS: Record<string, (ctx: CliContext, argv: readonly string[]) => Promise<number>> = {
  relay: cmdRelay,
  'relay-admin': cmdRelayAdmin,
  init: cmdInit,
  invite: cmdInvite,
  join: cmdJoin,
  sync: cmdSync,
  chat: cmdChat,
  agent: cmdAgent,
  plan: cmdPlan,
  playbook: cmdPlaybook,
  guest: cmdGuest,
  devices: cmdDevices,
  backup: cmdBackup,
  worker: cmdWorker,
  gateway: cmdGateway,
  term: cmdTerm,
  ssh: cmdSsh,
  usage: cmdUsage,
  limits: cmdLimits,
  plugin: cmdPlugin,
};

export async function runCli(ctx: CliContext): Promise<number> {
  const [name, ...rest] = ctx.argv;
  if (!name || name === '--help' || name === 'help') {
    ctx.io.out(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    ctx.io.err(`tendril: unknown command ${name}`);
    ctx.io.err(USAGE);
    return 2;
  }
  try {
    return await command(ctx, rest);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    ctx.io.err(`tendril ${name}: ${message.split('\n')[0]}${isTendrilError(e) ? ` [${e.code}]` : ''}`);
    return 1;
  }
}

const isMain = process.argv[1] !== undefined && /tendril(\.js)?$|cli[\\/]main\.ts$/.test(process.argv[1]);
if (isMain) {
  const stopSignal = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const code = await runCli({
    argv: process.argv.slice(2),
    env: process.env,
    io: { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`), ask: (q) => askLine(process.stdin, process.stderr, q), readStdin: () => readAll(process.stdin) },
    now: () => Date.now(),
    cwd: process.cwd(),
    execPath: process.execPath,
    stopSignal,
    onReload: (reload) => void process.on('SIGHUP', reload),
  });
  process.exit(code);
}
