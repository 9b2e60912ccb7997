import { describe, expect, it } from 'vitest';
import { newWorkspaceId } from '../ids.ts';
import { formatRecoveryKit, parseRecoveryKit } from './recovery-kit.ts';

describe('recovery kit', () => {
  it('round-trips, with or without the phrase, and tolerates blanks around lines', () => {
    const workspace = newWorkspaceId();
    const kit = { relay: 'https://relay.example', workspace, phrase: 'abandon ability able about above absent absorb abstract absurd abuse access accident' };
    expect(parseRecoveryKit(formatRecoveryKit(kit))).toEqual(kit);
    expect(parseRecoveryKit(`  Relay: https://relay.example  \r\n workspace: ${workspace}\n`)).toEqual({ relay: 'https://relay.example', workspace });
  });

  it('names what is missing or malformed', () => {
    expect(() => parseRecoveryKit('Workspace: x')).toThrow(/Relay/);
    expect(() => parseRecoveryKit('Relay: https://r.example')).toThrow(/Workspace/);
    expect(() => parseRecoveryKit('Relay: https://r.example\nWorkspace: not an id!')).toThrow();
  });
});
