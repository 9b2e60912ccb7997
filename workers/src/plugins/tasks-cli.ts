/**
 * `tendril plugin tasks ...`: the workspace's Tasks document from the
 * command line, as the app's Tasks page shows it: what the mail and calendar
 * plugins found, open first, each with its source link; marking one done (or
 * open again) syncs to every device.
 *
 *   tendril plugin tasks list --home DIR [--all] [--json]
 *   tendril plugin tasks done|open --home DIR TASK_ID
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { Task } from '@tendril/crdt-schema/schema';
import { parseArgs } from '../cli/args.ts';
import { homeDir, type CliContext } from '../cli/context.ts';
import { withSession } from '../cli/session.ts';
import { TASKS_SCOPE } from '@tendril/crdt-schema/workspace';

const SYNC_MS = 5000;
export const TASKS_USAGE = 'plugin tasks list --home DIR [--all] [--json] | done|open --home DIR TASK_ID';

/** One line: id, priority, due day, title, and where it came from. */
export function taskLine(t: Task): string {
  const due = t.due === undefined ? '' : ` due ${new Date(t.due).toISOString().slice(0, 10)}`;
  const source = t.source ? ` (${t.source.kind} ${t.source.account} ${t.source.ref})` : '';
  return `${t.id} [${t.state}${t.priority === 'normal' ? '' : `, ${t.priority}`}]${due} ${t.title}${source}`;
}

export async function cmdTasks(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const [sub = 'list', ...rest] = argv;
  const args = parseArgs(rest, { values: ['home'], switches: ['all', 'json'] });
  return withSession(homeDir(ctx, args), async (session) => {
    const { tasks } = await session.openTasks();
    await session.syncOrQueue(SYNC_MS);
    switch (sub) {
      case 'list': {
        const shown = tasks.list().filter((t) => args.flags.has('all') || t.state === 'open');
        if (args.flags.has('json')) ctx.io.out(JSON.stringify(shown));
        else for (const t of shown) ctx.io.out(taskLine(t));
        return 0;
      }
      case 'done':
      case 'open': {
        const [id] = args.positionals;
        if (!id) throw new TendrilError('E_BAD_INPUT', `usage: tendril ${TASKS_USAGE}`);
        session.requireWrite(TASKS_SCOPE);
        const t = tasks.setState(id, sub, session.home.identity.deviceId);
        ctx.io.out(taskLine(t));
        const r = await session.syncOrQueue(SYNC_MS);
        ctx.io.out(r === 'synced' ? 'saved to relay' : `queued: relay not reachable, ${session.peer.unacked} change(s) not yet saved to relay`);
        return 0;
      }
      default:
        throw new TendrilError('E_BAD_INPUT', `usage: tendril ${TASKS_USAGE} (got ${sub})`);
    }
  });
}
