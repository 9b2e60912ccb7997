/**
 * The recovery kit: what a person keeps to restore on a fresh device. The
 * phrase gives the keys; it cannot carry where the backups are, so the kit
 * adds the relay URL and the workspace id (both public: the relay knows
 * them, and they are no use without the phrase). A workspace id is not
 * derived from the phrase: workspaces exist before their phrase, a new
 * phrase may replace the old one, and an id computed from the phrase would
 * publish a test of guesses for a chosen passphrase.
 *
 * Text form, one field a line:
 *   Tendril recovery kit
 *   Relay: <url>
 *   Workspace: <id>
 *   Recovery phrase: <12 words>
 */
import { TendrilError } from '../errors.ts';
import { parseWorkspaceId, type WorkspaceId } from '../ids.ts';

export interface RecoveryKitFields {
  readonly relay: string;
  readonly workspace: WorkspaceId;
  /** Absent when the kit is printed without the phrase (written down separately). */
  readonly phrase?: string;
}

export function formatRecoveryKit(k: RecoveryKitFields): string {
  return ['Tendril recovery kit', `Relay: ${k.relay}`, `Workspace: ${k.workspace}`, ...(k.phrase ? [`Recovery phrase: ${k.phrase}`] : [])].join('\n') + '\n';
}

/** Reads a kit pasted whole; `E_BAD_INPUT` naming the missing or malformed line. */
export function parseRecoveryKit(text: string): RecoveryKitFields {
  const field = (name: string): string | undefined =>
    text
      .split(/\r?\n/u)
      .map((l) => l.trim())
      .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
      ?.slice(name.length + 1)
      .trim();
  const relay = field('Relay');
  const workspace = field('Workspace');
  if (!relay || !/^(https?|wss?):\/\//u.test(relay)) throw new TendrilError('E_BAD_INPUT', 'the recovery kit has no "Relay: http(s)://…" line');
  if (!workspace) throw new TendrilError('E_BAD_INPUT', 'the recovery kit has no "Workspace: …" line');
  const phrase = field('Recovery phrase');
  return { relay, workspace: parseWorkspaceId(workspace), ...(phrase ? { phrase } : {}) };
}
