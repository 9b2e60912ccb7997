/**
 * The instruction files a new agent session gets in its working folder:
 * `AGENTS.md` (read by Codex CLI and most agents) and `CLAUDE.md` (read by
 * Claude Code), and `GEMINI.md` for Gemini CLI, all with the same text: defaults embedded in the gateway
 * (where the agent runs, who sees the terminal, what not to do) plus the
 * configuration the requester chose in the app (the agent, and notes of its
 * own). A plain shell gets no file. A folder that has either file already
 * keeps it untouched (agents-file.ts `keep`): the person's own
 * instructions win, and the gateway says which files it kept. Browser-safe
 * (the app lists the agents from here).
 */
import type { AgentsFileRequest } from './agents-file.ts';

export const AGENT_KINDS = ['claude', 'codex', 'gemini', 'shell'] as const;
export type AgentKind = (typeof AGENT_KINDS)[number];

export const AGENT_NAMES: Readonly<Record<AgentKind, string>> = {
  claude: 'Claude Code',
  codex: 'Codex CLI',
  gemini: 'Gemini CLI',
  shell: 'plain shell',
};

/** Every agent session gets AGENTS.md and CLAUDE.md; Gemini CLI, which reads GEMINI.md, gets that too. */
export const INSTRUCTION_FILES = ['AGENTS.md', 'CLAUDE.md'] as const;
const EXTRA_FILES: Partial<Record<AgentKind, readonly string[]>> = { gemini: ['GEMINI.md'] };

export const MAX_NOTES_CHARS = 4000;

export function isAgentKind(v: unknown): v is AgentKind {
  return typeof v === 'string' && (AGENT_KINDS as readonly string[]).includes(v);
}

export interface AgentSetup {
  readonly agent: AgentKind;
  /** The requester's own instructions (plain text). */
  readonly notes?: string;
  readonly gateway: string;
  readonly cwd: string;
  readonly title: string;
}

const DEFAULTS = `## Where you run

- This is a Tendril terminal session: a shell on the gateway host, shared with the workspace members
  who may view terminals. Everything you print is seen by them, end-to-end encrypted.
- Commands run as the gateway's user on this machine. Stay inside the working folder unless asked.
- Never print secrets (API keys, tokens, private keys, passwords) to the terminal or into files here.
- Files can be moved in and out of this folder from the Files panel of the session.
- Ask before anything destructive (deleting data, force-pushing, installing system packages).
`;

/** The text of the instruction files for an agent session; null for a plain shell. */
export function agentInstructions(s: AgentSetup): string | null {
  if (s.agent === 'shell') return null;
  const notes = (s.notes ?? '').slice(0, MAX_NOTES_CHARS).trim();
  return [
    `# Instructions for ${AGENT_NAMES[s.agent]}`,
    '',
    `Session "${s.title}" on gateway ${s.gateway}, working folder \`${s.cwd}\`. Agent: ${AGENT_NAMES[s.agent]} (${s.agent}).`,
    '',
    DEFAULTS,
    ...(notes ? ['## From the person who started this session', '', notes, ''] : []),
  ].join('\n');
}

/** One write request per instruction file, each keeping an existing file. */
export function instructionFiles(s: AgentSetup): AgentsFileRequest[] {
  const content = agentInstructions(s);
  if (content === null) return [];
  return [...INSTRUCTION_FILES, ...(EXTRA_FILES[s.agent] ?? [])].map((fileName) => ({ content, fileName, ifExists: 'keep' as const }));
}
