/**
 * The gateway as a workspace peer (outbound only: it connects to the relay,
 * nothing connects to it). It announces itself with its health and its
 * machine's figures (CPU, memory, disk, uptime) in ephemeral presence on the
 * index (its stored record holds only name, host and version;
 * workspace/peer-self.ts), starts a
 * terminal session for every start request addressed to it whose signature
 * and requester it verifies itself, streams each session's output batches
 * (encrypted, ephemeral Stream frames) to every viewer, answers viewers that
 * join late or reconnect with a replay or a snapshot, keeps screen snapshots
 * in the session document, types only signed, counter-checked input from
 * current members on the session's writer list (its owner taken from the
 * verified start request and kept in the gateway's home, never from the
 * document), moves files in and out of a session's
 * working directory for those writers (file-service.ts), and ends sessions on
 * signed request.
 */
import { homedir, hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';
import { canWrite, Scope } from '@tendril/crdt-schema/keyring';
import { terminalDoc, type Health, type SessionEntry, type SessionFailure } from '@tendril/crdt-schema/schema';
import { isTendrilError, TendrilError } from '@tendril/crdt-schema/errors';
import type { DocSync } from '@tendril/crdt-schema/sync';
import { PeerSelf, type WorkspaceSession } from '@tendril/crdt-schema/workspace';
import {
  AGENT_KINDS, encodeSnapshot, instructionFiles, isAgentKind, systemProbes, type SessionManager, type StartRequest, type SystemProbes, type TerminalSession,
} from '../terminal/index.ts';
import { openSessionRequest, signOwner, verifyOwner } from './signatures.ts';
import { sessionGate } from './session-gate.ts';
import { decodeTerm, TermTag } from './term-messages.ts';
import { memoWriterCheck, type WriterCheck } from './writers.ts';
import { memoryOwnerStore, type SessionOwnerStore } from './session-owners.ts';
import { memoryUsedTransfers, type UsedTransferStore } from './used-transfers.ts';
import { FileService } from './file-service.ts';
import type { GatewayLog } from './gateway-log.ts';
import { StreamPacer, type StreamPacerOptions } from './stream-pacer.ts';
import { SshAdmin, type SupportKey } from './ssh-admin.ts';
import type { AuthorizedKeys } from '../host/authorized-keys.ts';

/** How long output must pause before the gateway tells viewers where the stream stands. */
const QUIET_MS = 300;

export interface GatewayPeerOptions {
  readonly crypto: CryptoProvider;
  readonly session: WorkspaceSession;
  /** Builds the session manager; the gate's verify/writers come from here (see `gateFor`). */
  readonly manager: (gateFor: GatewayPeer['gateFor']) => SessionManager;
  readonly name: string;
  readonly cwd: string;
  readonly shell?: string;
  readonly version?: string;
  /** How often the gateway announces itself in presence (default 10 s). */
  readonly announceEveryMs?: number;
  /** Pacing of outgoing stream frames (stream-pacer.ts); match the relay's stream limits when they differ from its defaults. */
  readonly pacing?: StreamPacerOptions;
  /** One line per event; `ids` names the session and device it is about (the CLI logs them as JSON fields). */
  readonly log?: GatewayLog;
  /** Reads free disk where sessions start, for the health figures (default: the real machine). */
  readonly probes?: Pick<SystemProbes, 'diskFree'>;
  /** The owner of each session as this gateway verified it; keep it in the gateway's home so it survives restarts. */
  readonly owners?: SessionOwnerStore;
  /** File-transfer ids already used; keep it in the gateway's home so old requests stay refused after a restart. */
  readonly usedTransfers?: UsedTransferStore;
  /** SSH key administration of the host (ssh-admin.ts); off when absent. */
  readonly ssh?: {
    readonly keys: AuthorizedKeys;
    readonly support: SupportKey | null;
    /** Request ids already handled; keep it in the gateway's home. */
    readonly used: UsedTransferStore;
    readonly sweepEveryMs?: number;
  };
}

interface Running {
  readonly entry: SessionEntry;
  readonly terminal: TerminalSession;
  readonly sync: DocSync;
  readonly doc: ReturnType<typeof terminalDoc>;
}

export class GatewayPeer {
  private readonly o: GatewayPeerOptions;
  private readonly me: DeviceId;
  private manager!: SessionManager;
  private readonly running = new Map<SessionId, Running>();
  private readonly starting = new Set<SessionId>();
  private readonly files = new Map<SessionId, FileService>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private stopped = false;
  private self: PeerSelf | null = null;
  /** The health last measured (health() is asynchronous; presence reads this). */
  private health: Health = { status: 'ok', active: 0 };
  private readonly pacer: StreamPacer;
  /** Signed writer entries checked once, not on every keystroke. */
  private readonly writerCheck: WriterCheck;
  private keepingShells = false;
  private readonly owners: SessionOwnerStore;
  private readonly usedTransfers: UsedTransferStore;
  private ssh: SshAdmin | null = null;

  constructor(o: GatewayPeerOptions) {
    this.o = o;
    this.owners = o.owners ?? memoryOwnerStore();
    this.usedTransfers = o.usedTransfers ?? memoryUsedTransfers();
    this.me = o.session.home.identity.deviceId;
    this.writerCheck = memoWriterCheck(o.crypto);
    this.pacer = new StreamPacer({ ...o.pacing, onDrop: (bytes) => o.log?.(`output flood: ${bytes} bytes dropped from the send queue (viewers catch up by rejoining)`) });
  }

  /**
   * The input gate's rules for one session: signatures by the sending device; writers are the owner this
   * gateway recorded plus the signed entries in the session document, current members only.
   */
  readonly gateFor = (id: SessionId) => ({
    ...sessionGate({
      crypto: this.o.crypto,
      directory: this.o.session.members,
      session: id,
      owner: () => this.owners.owner(id),
      doc: () => this.running.get(id)?.doc,
      check: this.writerCheck,
    }),
    log: (drop: { reason: string; device: DeviceId | null; counter: number; bytes: number }) =>
      this.o.log?.(`session ${id}: input dropped (${drop.reason}) from ${drop.device ?? 'unknown'}, ${drop.bytes} bytes`, { session: id, ...(drop.device ? { device: drop.device } : {}) }),
  });

  async start(): Promise<void> {
    this.manager = this.o.manager(this.gateFor);
    const s = this.o.session;
    s.connect();
    s.index.ydoc.on('update', () => {
      this.reconcile();
      this.ssh?.kick();
    });
    // Shells that survived a gateway restart (tmux) are picked up again with their documents.
    for (const id of await this.manager.recover()) {
      const entry = s.workspace().sessions.get(id);
      if (entry && entry.gateway === this.me && entry.state !== 'ended') await this.adoptRecovered(entry, this.manager.get(id));
      else {
        this.o.log?.(`session ${id}: ended after restart (${entry ? 'ended in the index' : 'not in the index'})`);
        await this.manager.end(id).catch(() => {});
      }
    }
    await this.measure();
    this.self = new PeerSelf({
      crypto: this.o.crypto,
      session: s,
      describe: () => ({ kind: 'gateway', name: this.o.name, host: hostname(), version: this.o.version ?? '0.1.0', health: this.health }),
      ...(this.o.announceEveryMs !== undefined ? { everyMs: this.o.announceEveryMs } : {}),
      ...(this.o.log ? { log: this.o.log } : {}),
    });
    this.self.start();
    this.timer = setInterval(() => this.remeasure(), this.o.announceEveryMs ?? 10_000);
    this.reconcile();
    // Terminals work without it: a gateway whose SSH administration cannot start says so and runs on.
    if (this.o.ssh) await this.startSsh(this.o.ssh).catch((e: unknown) => this.o.log?.(`ssh: key administration is off (${e instanceof Error ? e.message : String(e)})`));
  }

  /** Removes SSH keys whose time ran out while the gateway was down, then carries out admins' requests. */
  private async startSsh(o: NonNullable<GatewayPeerOptions['ssh']>): Promise<void> {
    const { admin } = await this.o.session.openGatewayAdmin(this.me);
    this.ssh = new SshAdmin({
      crypto: this.o.crypto,
      identity: this.o.session.home.identity,
      directory: this.o.session.members,
      doc: admin,
      keys: o.keys,
      support: o.support,
      used: o.used,
      ...(o.sweepEveryMs !== undefined ? { sweepEveryMs: o.sweepEveryMs } : {}),
      ...(this.o.log ? { log: this.o.log } : {}),
    });
    await this.ssh.start();
  }

  /** Measures health; presence announces at once when a figure that matters changed. */
  private async measure(): Promise<void> {
    const h = await this.manager.health();
    const disk = await (this.o.probes ?? systemProbes).diskFree(this.o.cwd);
    this.health = {
      status: h.status === 'ok' ? 'ok' : 'degraded',
      active: h.sessions.active,
      figures: {
        cpuPercent: h.cpuPercent,
        loadPercent: h.cores > 0 ? Math.round((h.loadAverage1m / h.cores) * 1000) / 10 : 0,
        memFreeBytes: h.memory.freeBytes,
        memTotalBytes: h.memory.totalBytes,
        uptimeS: Math.round(h.uptimeMs / 1000),
        ...(disk !== null ? { diskFreeBytes: disk } : {}),
      },
      detail: `cpu ${h.cpuPercent.toFixed(0)}%, rss ${Math.round(h.rssBytes / 1048576)} MiB, free ${Math.round(h.memory.freeBytes / 1048576)} MiB, up ${Math.round(h.uptimeMs / 1000)} s, max ${h.sessions.max}${h.detail ? `, ${h.detail}` : ''}`,
    };
    this.self?.healthChanged();
  }

  private remeasure(): void {
    if (!this.stopped) void this.measure().catch((e: unknown) => this.o.log?.(`health not measured: ${e instanceof Error ? e.message : String(e)}`));
  }

  /** Acts on the index: starts requested sessions for this gateway, ends the ones asked to end. */
  private reconcile(): void {
    if (this.stopped) return;
    for (const entry of this.o.session.workspace().sessions.list()) {
      if (entry.gateway !== this.me) continue;
      if (entry.state === 'requested' && !this.running.has(entry.id) && !this.starting.has(entry.id)) {
        this.starting.add(entry.id);
        void this.startSession(entry)
          .catch((e: unknown) => this.refuseStart(entry, failureOf(e)))
          .finally(() => this.starting.delete(entry.id));
      }
      const r = this.running.get(entry.id);
      if (r && entry.endRequest) {
        const req = openSessionRequest(this.o.crypto, entry.endRequest);
        if (req?.kind === 'end' && req.session === entry.id && this.isWriterDevice(req.requester)) void this.manager.end(entry.id).catch(() => {});
      }
    }
  }

  private isWriterDevice(device: DeviceId): boolean {
    const m = this.o.session.members.member(device);
    return m !== undefined && m.revokedAtEpoch === undefined && canWrite(m.role, Scope.Terminals);
  }

  private async startSession(entry: SessionEntry): Promise<void> {
    const ws = this.o.session.workspace();
    const req = entry.request ? openSessionRequest(this.o.crypto, entry.request) : null;
    const valid = req && req.kind === 'start' && req.session === entry.id && req.doc === entry.docId && req.gateway === this.me && req.requester === entry.requestedBy;
    if (!valid || !this.isWriterDevice(req.requester)) {
      const failure = valid
        ? { code: 'E_FORBIDDEN', message: 'the requesting device may not open terminals' }
        : { code: 'E_BAD_SIGNATURE', message: 'the start request is not signed by the device that asked' };
      return this.refuseStart(entry, failure);
    }
    // A session id this gateway started before stays used (its input counters are its tombstone): a request
    // put back to `requested` in the index is not a new session.
    if (this.owners.owner(entry.id) !== undefined) return this.refuseStart(entry, { code: 'E_REPLAY', message: 'this session was started before' });
    // On record before the shell exists, so no input is ever judged against an owner the gateway did not verify.
    this.owners.record(entry.id, req.requester);
    const sync = await this.o.session.peer.openDoc({ doc: entry.docId, scope: Scope.Terminals });
    const doc = terminalDoc(sync.ydoc);
    let terminal: TerminalSession;
    try {
      const agent = req.agent ?? 'shell';
      if (!isAgentKind(agent)) throw new TendrilError('E_BAD_INPUT', `unknown agent ${agent} (known: ${AGENT_KINDS.join(', ')})`);
      const title = req.title || entry.title;
      const cwd = this.workingFolder(req.cwd);
      const request: StartRequest = {
        id: entry.id, title, cwd, ...(this.o.shell ? { shell: this.o.shell } : {}),
        env: { TENDRIL_AGENT: agent },
        agentsFiles: instructionFiles({ agent, gateway: this.o.name, cwd, title, ...(req.notes ? { notes: req.notes } : {}) }),
      };
      const started = await this.manager.start(request);
      terminal = started.session;
      for (const f of started.agentsFiles ?? []) this.o.log?.(`session ${entry.id}: ${f.path} ${f.outcome === 'kept' ? 'kept as it was (the folder has its own)' : f.outcome}`);
    } catch (e) {
      return this.refuseStart(entry, failureOf(e));
    }
    const info = terminal.info();
    doc.init({ sessionId: entry.id, title: info.title, gateway: this.me, owner: req.requester, shell: info.shell, cwd: info.cwd });
    this.publishOwner(entry.id, doc);
    doc.setSize(info.size.cols, info.size.rows, this.me);
    doc.setState('running');
    const r: Running = { entry, terminal, sync, doc };
    this.running.set(entry.id, r);
    this.wire(r);
    ws.sessions.setState(entry.id, 'running');
    this.remeasure();
    this.o.log?.(`session ${entry.id}: started for ${req.requester}`, { session: entry.id, device: req.requester });
  }

  /** The folder a start request names: the gateway's default when empty, `~/` from HOME, relative ones from the default. */
  private workingFolder(asked: string): string {
    if (!asked) return this.o.cwd;
    if (asked === '~' || asked.startsWith('~/')) return join(homedir(), asked.slice(1));
    return isAbsolute(asked) ? asked : resolve(this.o.cwd, asked);
  }

  /** Ends a session that did not start, with the reason in the index so the requester sees it. */
  private refuseStart(entry: SessionEntry, failure: SessionFailure): void {
    this.o.log?.(`session ${entry.id}: not started (${failure.code}: ${failure.message})`);
    try {
      this.o.session.workspace().sessions.fail(entry.id, failure);
    } catch (e) {
      this.o.log?.(`session ${entry.id}: could not record why (${e instanceof Error ? e.message : String(e)})`);
    }
  }

  private async adoptRecovered(entry: SessionEntry, terminal: TerminalSession): Promise<void> {
    const sync = await this.o.session.peer.openDoc({ doc: entry.docId, scope: Scope.Terminals });
    const r: Running = { entry, terminal, sync, doc: terminalDoc(sync.ydoc) };
    this.running.set(entry.id, r);
    this.wire(r);
    // The owner's proof goes into the document once it has synced (wire() watches its updates).
    if (!this.publishOwner(entry.id, r.doc)) this.o.log?.(`session ${entry.id}: no owner on record; all input is refused`);
    this.o.log?.(`session ${entry.id}: re-attached after restart`);
  }

  /**
   * Writes the recorded owner, with this gateway's signature over it, into the session document, so
   * devices can tell the real owner from one a member wrote there. False when no owner is on record.
   */
  private publishOwner(id: SessionId, doc: ReturnType<typeof terminalDoc>): boolean {
    const owner = this.owners.owner(id);
    if (owner === undefined) return false;
    const info = doc.info();
    if (!info || (info.owner === owner && info.ownerProof !== undefined && this.provenOwner(id, owner, info.ownerProof))) return true;
    doc.setOwner(owner, signOwner(this.o.crypto, this.o.session.home.identity, id, owner));
    return true;
  }

  /** Proofs in the documents already checked, so a document update costs a signature check only when the proof changed. */
  private readonly checkedProofs = new Map<SessionId, Uint8Array>();

  private provenOwner(id: SessionId, owner: DeviceId, proof: Uint8Array): boolean {
    const seen = this.checkedProofs.get(id);
    if (seen && seen.length === proof.length && seen.every((b, i) => b === proof[i])) return true;
    if (!verifyOwner(this.o.crypto, this.me, id, owner, proof)) return false;
    this.checkedProofs.set(id, proof);
    return true;
  }

  private wire(r: Running): void {
    const { terminal, sync, doc, entry } = r;
    const files = new FileService({
      crypto: this.o.crypto,
      identity: this.o.session.home.identity,
      session: entry.id,
      root: () => terminal.info().cwd,
      writers: () => this.gateFor(entry.id).writers(),
      send: (m, to) => this.pacer.send(sync, m, to),
      used: this.usedTransfers,
      ...(this.o.log ? { log: this.o.log } : {}),
    });
    this.files.set(entry.id, files);
    // A member that rewrites the owner in the document gets it written back (what the gateway decides never read it).
    let ownerCheck = false;
    const onDocUpdate = () => {
      if (ownerCheck) return;
      ownerCheck = true;
      queueMicrotask(() => {
        ownerCheck = false;
        if (this.running.get(entry.id) === r) this.publishOwner(entry.id, doc);
      });
    };
    sync.ydoc.on('update', onDocUpdate);
    // After output goes quiet, everyone hears where the stream stands: a viewer whose last frames were
    // lost sees it is behind and rejoins, even though no further output will show it a gap.
    let quiet: ReturnType<typeof setTimeout> | undefined;
    terminal.stream.on('batch', (b) => {
      this.pacer.send(sync, { t: TermTag.Output, seq: b.seq, offset: b.offset, bytes: b.bytes });
      clearTimeout(quiet);
      quiet = setTimeout(() => this.pacer.send(sync, { t: TermTag.Live, seq: terminal.stream.next.seq }), QUIET_MS);
      quiet.unref?.();
    });
    terminal.on('resize', (s) => {
      doc.setSize(s.cols, s.rows, this.me);
      this.pacer.send(sync, { t: TermTag.Size, cols: s.cols, rows: s.rows, atSeq: s.atSeq });
    });
    terminal.on('snapshot', (snap) => doc.snapshots.put({ coversSeq: snap.coversSeq, bytes: encodeSnapshot(snap), by: this.me }));
    // A shell kept in tmux while the gateway stops is detached, not ended: the next start adopts it.
    const detaching = () => this.keepingShells && terminal.info().mode === 'tmux';
    terminal.on('state', (state) => {
      if (state === 'ended' && detaching()) return;
      const mapped = state === 'idle' ? 'idle' : state === 'ended' ? 'ended' : 'running';
      doc.setState(mapped);
      this.o.session.workspace().sessions.setState(entry.id, mapped);
    });
    terminal.on('exit', (exit) => {
      clearTimeout(quiet);
      sync.ydoc.off('update', onDocUpdate);
      this.checkedProofs.delete(entry.id);
      if (!detaching()) this.pacer.send(sync, { t: TermTag.Ended, exitCode: exit.exitCode ?? -1 });
      this.running.delete(entry.id);
      void files.close();
      this.files.delete(entry.id);
      this.remeasure();
    });
    // A viewer's message never takes the gateway down: whatever it asks that fails is logged and dropped.
    sync.on('stream', (from, payload) => void this.onViewer(r, from, payload).catch((e: unknown) => this.o.log?.(`session ${entry.id}: message from ${from} dropped (${e instanceof Error ? e.message : String(e)})`, { session: entry.id, device: from })));
  }

  private async onViewer(r: Running, from: DeviceId, payload: Uint8Array): Promise<void> {
    const m = decodeTerm(payload);
    if (!m || this.files.get(r.entry.id)?.handle(from, m)) return;
    const { terminal, sync } = r;
    if (m.t === TermTag.Input) {
      const d = terminal.input({ session: r.entry.id, counter: m.counter, data: m.data, device: from, signature: m.signature });
      // The sender hears why its keystrokes did not reach the shell (automatic replies every viewer sends are dropped quietly).
      if (!d.ok && d.reason !== 'auto-reply') this.pacer.send(sync, { t: TermTag.InputRefused, counter: m.counter, reason: d.reason, last: terminal.lastInputCounter(from) }, from);
    } else if (m.t === TermTag.Viewport) {
      if (this.gateFor(r.entry.id).writers().includes(from)) terminal.viewport(from, { cols: m.cols, rows: m.rows });
    } else if (m.t === TermTag.Join) {
      // Where this device's input counter stands, so it types above it without trusting its own clock.
      this.pacer.send(sync, { t: TermTag.InputState, counter: terminal.lastInputCounter(from) }, from);
      const replay = m.fresh ? null : terminal.stream.replay(m.fromSeq);
      let next = m.fromSeq;
      const send = (batches: readonly { seq: number; offset: number; bytes: Uint8Array }[]) => {
        for (const b of batches) this.pacer.send(sync, { t: TermTag.Output, seq: b.seq, offset: b.offset, bytes: b.bytes }, from);
        next = batches.at(-1) ? batches.at(-1)!.seq + 1 : next;
      };
      if (replay && replay.kind === 'batches') send(replay.batches);
      else {
        const snap = await terminal.snapshot();
        this.pacer.send(sync, { t: TermTag.Snapshot, snapshot: encodeSnapshot(snap) }, from);
        next = snap.coversSeq;
        const after = terminal.stream.replay(snap.coversSeq);
        if (after.kind === 'batches') send(after.batches);
      }
      this.pacer.send(sync, { t: TermTag.Live, seq: next }, from);
    }
  }

  /** The running session (tests, the CLI). */
  terminal(id: SessionId): TerminalSession | undefined {
    return this.running.get(id)?.terminal;
  }

  /** Says it is leaving and stops announcing; shells survive in tmux when `keepShells`, else they end. */
  async stop(options: { keepShells: boolean } = { keepShells: true }): Promise<void> {
    this.stopped = true;
    this.keepingShells = options.keepShells;
    if (this.timer) clearInterval(this.timer);
    this.ssh?.stop();
    this.self?.stop();
    await this.manager.shutdown(options);
    this.pacer.close();
  }
}

/** A start error as the requester sees it: its code when it has one. */
function failureOf(e: unknown): SessionFailure {
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 1000) || 'unknown error';
  return { code: isTendrilError(e) ? e.code : 'E_SPAWN_FAILED', message };
}
