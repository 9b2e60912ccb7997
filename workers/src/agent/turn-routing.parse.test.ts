import { describe, expect, it } from 'vitest';
import { builtInAssistant, PRESETS, type Agent } from '@tendril/crdt-schema/schema';
import type { AgentId } from '@tendril/crdt-schema/ids';
import { mentionedAgent, parseRouterAnswer } from './turn-routing.ts';

const agent = (name: string, id: string): Agent => ({ ...PRESETS.coder, tools: [], name, id: id as AgentId, createdAt: 1 });
const AGENTS = [builtInAssistant(), agent('Coder', 'c'.repeat(22)), agent('Re.search', 'r'.repeat(22))];

describe('routing text', () => {
  it('finds the first @name of a known agent, at the start or inside, without regard to case', () => {
    expect(mentionedAgent('@coder run the tests', AGENTS)?.name).toBe('Coder');
    expect(mentionedAgent('please ask @CODER.', AGENTS)?.name).toBe('Coder');
    expect(mentionedAgent('mail me@coder.dev and @nobody, then @re.search', AGENTS)?.name).toBe('Re.search');
    expect(mentionedAgent('no mention of coder here', AGENTS)).toBeUndefined();
  });

  it('reads the router answer as JSON or as "Name: reason", and names no agent it does not know', () => {
    expect(parseRouterAnswer('```json\n{"agent":"coder","reason":"asks to run the tests"}\n```', AGENTS)).toMatchObject({ agent: { name: 'Coder' }, reason: 'asks to run the tests' });
    expect(parseRouterAnswer('Assistant: a general question', AGENTS)).toMatchObject({ agent: { name: 'Assistant' }, reason: 'a general question' });
    expect(parseRouterAnswer('{"agent": "root", "reason": "x"}', AGENTS)).toEqual({ named: 'root', reason: 'x' });
    expect(parseRouterAnswer('', AGENTS)).toEqual({ named: '', reason: '' });
    expect(parseRouterAnswer(`{"agent": "Coder", "reason": "${'y'.repeat(900)}"}`, AGENTS).reason.length).toBe(200);
  });
});
