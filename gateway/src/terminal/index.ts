/**
 * The gateway's terminal engine: shells in PTYs (kept alive by tmux when
 * available), a sequenced low-latency output stream with replay, a headless
 * screen mirror for snapshots, the input gate, the resize policy, sessions
 * and their manager, and file transfer. Nothing here encrypts or syncs: the
 * sync layer consumes batches, snapshots and transfer chunks as bytes.
 */
export { confine, type ConfinedPath } from './safe-path.ts';
export { agentInstructions, AGENT_KINDS, AGENT_NAMES, instructionFiles, INSTRUCTION_FILES, isAgentKind, MAX_NOTES_CHARS, type AgentKind, type AgentSetup } from './agent-instructions.ts';
export { writeAgentsFile, AGENTS_FILE_NAME, type AgentsFileRequest, type AgentsFileResult, type IfExists } from './agents-file.ts';
export { systemClock, systemTimers, isGridSize, MAX_GRID_SIDE, type Clock, type TerminalSize, type TimerHandle, type Timers } from './deps.ts';
export { MAX_TRANSFER_BYTES, TRANSFER_CHUNK_BYTES, startUpload, openDownload, Upload, Download, type TransferProgress, type UploadRequest } from './file-transfer.ts';
export { HeadlessScreen, type HeadlessScreenOptions } from './headless-screen.ts';
export { createHealthReporter, systemProbes, type GatewayHealth, type HealthThresholds, type SessionHealth, type SystemProbes } from './health.ts';
export { InputGate, type DropReason, type InputDecision, type InputFrame, type InputGateOptions } from './input-gate.ts';
export { memoryCounterStore, persistCounters, type GateRules, type InputCounterStore } from './input-counters.ts';
export { continues, positionAfter, type OutputBatch, type StreamPosition } from './output-batch.ts';
export type { ReplayResult } from './output-ring.ts';
export { OutputStream, type OutputStreamOptions, type SubscribeResult } from './output-stream.ts';
export { Subscription, type CloseReason } from './output-subscriber.ts';
export { createPtyHost, type PtyHost, type PtyHostOptions, type PtySpawn, type ShellSpec } from './pty-host.ts';
export { PtyProcess, type PtyExit, type PtyLike } from './pty-process.ts';
export { ResizePolicy, type SizeChange } from './resize-policy.ts';
export { ScreenMirror, type ScreenMirrorOptions } from './screen-mirror.ts';
export type { SnapshotScheduleOptions } from './snapshot-schedule.ts';
export { SessionManager, DEFAULT_MAX_SESSIONS, type SessionManagerOptions, type SessionTuning, type StartRequest } from './session-manager.ts';
export { IdleTracker, SessionState, type SessionInfo } from './session-state.ts';
export { TerminalSession, type SessionEvents, type TerminalSessionOptions } from './session.ts';
export { joinStream, type Join, type JoinOptions } from './join.ts';
export { decodeSnapshot, encodeSnapshot, snapshotBytes, type ScreenSnapshot } from './snapshot.ts';
export { stripReplies } from './terminal-replies.ts';
export { detectTmux, runCommand, tmuxSocketName, type CommandResult, type RunCommand, type TmuxConfig, type TmuxShell } from './tmux.ts';
