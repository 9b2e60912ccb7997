/** What an agent session's instruction files say, and which files each agent gets. */
import { describe, expect, it } from 'vitest';
import { agentInstructions, instructionFiles } from './agent-instructions.ts';

const setup = { gateway: 'gw', cwd: '/srv/p', title: 'fix tests' };

describe('agent instruction files', () => {
  it('hold the defaults, the session and the notes chosen', () => {
    const text = agentInstructions({ ...setup, agent: 'claude', notes: '  Use pnpm.  ' })!;
    expect(text.split('\n')[0]).toBe('# Instructions for Claude Code');
    expect(text).toContain('Session "fix tests" on gateway gw, working folder `/srv/p`. Agent: Claude Code (claude).');
    expect(text).toContain('Never print secrets');
    expect(text).toMatch(/## From the person who started this session\n\nUse pnpm\.\n/);
    expect(agentInstructions({ ...setup, agent: 'codex' })).not.toContain('From the person');
  });

  it('go to AGENTS.md and CLAUDE.md (and GEMINI.md for Gemini CLI), never over an existing file; none for a plain shell', () => {
    expect(instructionFiles({ ...setup, agent: 'codex' }).map((f) => [f.fileName, f.ifExists])).toEqual([['AGENTS.md', 'keep'], ['CLAUDE.md', 'keep']]);
    expect(instructionFiles({ ...setup, agent: 'gemini' }).map((f) => f.fileName)).toEqual(['AGENTS.md', 'CLAUDE.md', 'GEMINI.md']);
    expect(instructionFiles({ ...setup, agent: 'shell' })).toEqual([]);
  });
});
