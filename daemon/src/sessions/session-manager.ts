// Creates sessions from run requests and finds them again by name, id or id prefix.
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import type { Logger } from 'pino';
import { nameToBytes, NonoError, type NonoPaths, type ParamsOf, type SandboxPlan } from '@nono/shared';
import { compilePlan, type PolicyServices } from '../policy/compile-plan.js';
import { encodeSpec } from '../sandbox/encode-spec.js';
import { helperPath } from '../sandbox/helper-binary.js';
import { removeSpecFile, writeSpecFile } from '../sandbox/spec-file.js';
import { launchOnPipes, launchOnPty, type LaunchOptions, type SandboxProcess } from './sandbox-process.js';
import { randomSessionName } from './session-names.js';
import { createStatePaths } from './state-paths.js';
import { Session, type SessionClient } from './session.js';
import { DenialRecorder } from './denial-recorder.js';
import { OutputLog, removeLog } from './output-log.js';
import { userProcessCount } from './process-tree.js';
import type { SnapshotService } from '../snapshots/snapshot-service.js';
import { checkTrust } from '../trust/run-gate.js';
import type { DaemonAudit } from '../audit/daemon-audit.js';
import { protectSignedFiles } from '../trust/signed-files.js';
import { FETCH_PRELOAD, startSessionProxy, UNDICI_DIR } from '../network/session-proxy.js';
import { resolverWith, type Resolver } from '../network/checked-address.js';
import type { UpstreamOverride } from '../network/phantom-proxy.js';
import type { SessionRow, SessionRows } from '../database/session-rows.js';
import { HostExecGuard } from './host-exec-sweep.js';

export interface SessionManagerOptions {
  paths: NonoPaths;
  policy: PolicyServices;
  store: SessionRows;
  snapshots: SnapshotService;
  audit: DaemonAudit;
  log: Logger;
  abiCap?: number | undefined;
  /** Test switches passed before the spec (--no-userns). */
  helperFlags?: string[] | undefined;
  /** Fixed DNS answers for the session proxies (tests). */
  resolve?: Record<string, string> | undefined;
  credentialOverride?: UpstreamOverride | undefined;
}

const DETACHED_SIZE = { rows: 24, cols: 80 };

/**
 * Git control directories a repository lacks (hooks, info) are made empty on the host before
 * start, so the view can bind them read-only: otherwise the agent could create one and the
 * user's next commit on the host would run what it holds. Git makes them itself at init.
 */
function makeMissingControlDirs(plan: SandboxPlan): void {
  for (const entry of plan.readonly) {
    if (!entry.create) continue;
    try {
      mkdirSync(nameToBytes(entry.path), { mode: 0o755 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new NonoError('PATH_DENIED', `cannot create ${entry.path} to write-protect it: ${(error as Error).message}; check the directory's permissions`, { path: entry.path });
      }
    }
  }
}

export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly resolve: Resolver;

  constructor(private readonly options: SessionManagerOptions) {
    this.resolve = resolverWith(options.resolve);
  }

  plan(params: ParamsOf<'session.run'>): ReturnType<typeof compilePlan> {
    return compilePlan(params, this.options.policy);
  }

  /** Starts a session; the caller is attached unless it asked for a detached one. */
  async run(params: ParamsOf<'session.run'>, client: SessionClient): Promise<{ session: Session; plan: SandboxPlan }> {
    const helper = helperPath();
    const compiled = this.plan(params);
    const { plan } = compiled;
    if (params.name !== undefined && this.findLive(params.name)) {
      throw new NonoError('NAME_TAKEN', `session name ${params.name} is taken by a running session; pick another --name`, {
        name: params.name,
      });
    }
    const id = randomBytes(8).toString('hex');
    const { audit } = this.options;
    const trust = await checkTrust(plan.workdir, this.options.paths.configDir, params.trustOverride === true).catch((error: unknown) => {
      if (error instanceof NonoError) audit.record({ kind: 'trust.verify', session: id, payload: { path: plan.workdir, result: 'refused', reason: error.message } });
      throw error;
    });
    if (trust) {
      protectSignedFiles(plan, trust.report.readOnlyPaths, trust.notes);
      for (const result of trust.report.results) audit.record({ kind: 'trust.verify', session: id, payload: { path: result.path, result: result.status, sha256: result.sha256 } });
      if (trust.overridden) {
        for (const failure of trust.report.failures) audit.record({ kind: 'trust.override', session: id, payload: { path: failure.path, reason: failure.reason ?? failure.status } });
      }
    }
    createStatePaths(plan);
    const name = params.name ?? randomSessionName((n) => this.findLive(n) !== undefined);
    const proxy =
      plan.network === 'proxied'
        ? await startSessionProxy(plan, {
            log: this.options.log.child({ session: id, name, component: 'proxy' }),
            netLogPath: join(this.logDir, `${id}.net.log`),
            resolve: this.resolve,
            credentialOverride: this.options.credentialOverride,
            socketDir: join(this.options.paths.runtimeDir, 'proxies'),
            id,
            record: (event) => audit.record(event),
            runEnv: params.env,
          })
        : undefined;
    const env: Record<string, string> = { ...compiled.env, ...proxy?.env, NONO_SESSION: name };
    if (proxy) {
      // Node's fetch honours the proxy only from 22.21 on; older Node gets a preload for it.
      env.NODE_OPTIONS = `${env.NODE_OPTIONS ? `${env.NODE_OPTIONS} ` : ''}--require "${FETCH_PRELOAD}"`;
      plan.rules.push(
        { path: FETCH_PRELOAD, access: 'read', kind: 'file', source: 'nono: fetch() proxy preload' },
        { path: UNDICI_DIR, access: 'read', kind: 'dir', source: 'nono: fetch() proxy preload' },
        ...proxy.readable.map((path) => ({ path, access: 'read' as const, kind: 'file' as const, source: 'nono: session CA for intercepted hosts' })),
      );
    }
    let privateTmp: string | undefined;
    if (compiled.privateTmp) {
      privateTmp = mkdtempSync('/tmp/nono-sandbox-');
      chmodSync(privateTmp, 0o700);
      if (plan.isolation.mode === 'view') {
        plan.privateTmp = privateTmp;
        env.TMPDIR = env.TMP = env.TEMP = '/tmp';
      } else {
        plan.rules.push({ path: privateTmp, access: 'readwrite', kind: 'dir', source: 'private TMPDIR' });
        env.TMPDIR = env.TMP = env.TEMP = privateTmp;
      }
    }
    makeMissingControlDirs(plan);
    const guard = new HostExecGuard({ ...compiled.hostExec, startedAtMs: Date.now(), session: name });
    // A detached session still gets a terminal: it is there to be attached to later.
    const terminal = params.terminal ?? (params.detached ? DETACHED_SIZE : null);
    // Before the command starts, so the baseline is what the user had.
    const { snapshots } = this.options;
    const takeSnapshots = params.snapshot === true || params.snapshotName !== undefined || compiled.rollback.enabled;
    const snapshotRules = { exclude: [...compiled.rollback.exclude, ...(params.snapshotExclude ?? [])], include: params.snapshotInclude ?? [] };
    if (takeSnapshots) await snapshots.sessionBaseline(id, plan, snapshotRules, params.snapshotName);
    const session = new Session({
      id,
      name,
      record: (event) => audit.record(event),
      argv: params.argv,
      plan,
      store: this.options.store,
      log: this.options.log.child({ session: id, name }),
      privateTmp,
      output: OutputLog.forSession(this.logDir, id),
      denials: new DenialRecorder(id, plan, params.env.HOME?.startsWith('/') ? params.env.HOME : this.options.policy.daemonHome, (event) => audit.record(event)),
      terminal,
      persistent: params.name !== undefined || params.detached === true || terminal !== null,
      sweep: () => guard.finish(),
      onEnd: () => {
        proxy?.close();
        if (takeSnapshots) {
          const final = snapshots.sessionFinal(id, snapshotRules).catch((error: unknown) => this.options.log.warn({ session: id, error: String(error) }, 'final snapshot failed'));
          this.finalSnapshots.set(id, final);
          void final.finally(() => this.finalSnapshots.delete(id));
        }
      },
    });
    this.options.store.insert({ id, name, argv: params.argv, cwd: plan.cwd, startedAt: session.startedAt, plan });
    this.sessions.set(id, session);
    audit.record({
      kind: 'session.start',
      session: id,
      payload: { policyDigest: createHash('sha256').update(JSON.stringify(plan)).digest('hex'), command: params.argv, profile: plan.profile, cwd: plan.cwd, user: audit.user, name },
    });
    if (!params.detached) session.attach(client, { readOnly: false, size: terminal });

    const spec = encodeSpec(plan, {
      abiCap: this.options.abiCap,
      processesBesides: plan.isolation.mode === 'view' ? 1 : userProcessCount(),
      ...(proxy ? { proxy: { port: proxy.port, socketPath: proxy.socketPath, auth: proxy.auth, forwards: proxy.forwards } } : {}),
    });
    const launch: LaunchOptions = { helper, helperArgs: [], argv: params.argv, cwd: plan.cwd, env };
    const events = {
      output: (stream: 'pty' | 'stdout' | 'stderr', data: Buffer) => session.output(stream, data),
      exit: (code: number | null, signal: number | null) => {
        if (specFile) removeSpecFile(specFile);
        session.exited(code, signal);
      },
    };
    let specFile: string | undefined;
    let process: SandboxProcess;
    try {
      if (terminal) {
        specFile = writeSpecFile(this.options.paths.runtimeDir, spec);
        launch.helperArgs = [...(this.options.helperFlags ?? []), '--spec-file', specFile];
        process = launchOnPty(launch, terminal, events);
      } else {
        launch.helperArgs = [...(this.options.helperFlags ?? []), '--spec-fd', '3'];
        process = launchOnPipes(launch, spec, events);
      }
    } catch (error) {
      if (specFile) removeSpecFile(specFile);
      guard.close();
      session.failed(String(error));
      throw new NonoError('SPAWN_FAILED', `could not start nono-helper: ${(error as Error).message}; check the daemon log`);
    }
    session.started(process);
    return { session, plan };
  }

  /** A live session by exact name first, then a session of this daemon by name, id or unique id prefix. */
  find(ref: string): Session {
    const found = this.findLive(ref) ?? this.findById(ref) ?? this.findLatestByName(ref);
    if (!found) {
      throw new NonoError('SESSION_NOT_FOUND', `no session named or with id ${ref}; \`nono ps\` lists them`, { session: ref });
    }
    return found;
  }

  private findLive(name: string): Session | undefined {
    for (const s of this.sessions.values()) if (s.live && s.name === name) return s;
    return undefined;
  }

  private findLatestByName(name: string): Session | undefined {
    let latest: Session | undefined;
    for (const s of this.sessions.values()) if (s.name === name) latest = s;
    return latest;
  }

  private findById(ref: string): Session | undefined {
    if (!/^[0-9a-f]{1,16}$/.test(ref)) return undefined;
    const exact = this.sessions.get(ref);
    if (exact) return exact;
    const matches = [...this.sessions.values()].filter((s) => s.id.startsWith(ref));
    if (matches.length > 1) {
      throw new NonoError('SESSION_NOT_FOUND', `id prefix ${ref} matches ${matches.length} sessions; type more of the id`, {
        session: ref,
      });
    }
    return matches[0];
  }

  detachEverywhere(client: SessionClient): Session[] {
    const left: Session[] = [];
    for (const s of this.sessions.values()) {
      if (s.detach(client)) left.push(s);
    }
    return left;
  }

  /** Sessions that ended (before `endedBefore`, if given), forgotten: their rows and logs go; live ones stay. */
  prune(endedBefore?: Date): number {
    let removed = 0;
    for (const row of this.options.store.list()) {
      if (row.state === 'starting' || row.state === 'running') continue;
      if (endedBefore !== undefined && (row.endedAt === null || Date.parse(row.endedAt) > endedBefore.getTime())) continue;
      this.sessions.delete(row.id);
      removeLog(join(this.logDir, `${row.id}.log`));
      this.options.store.remove(row.id);
      removed++;
    }
    return removed;
  }

  /** Final snapshots still being taken; diff and rollback wait for them rather than race them. */
  private readonly finalSnapshots = new Map<string, Promise<unknown>>();

  async snapshotSettled(id: string): Promise<void> {
    await this.finalSnapshots.get(id);
  }

  /** The name of a running session that can write `tree` (or inside it), if any. */
  liveWriterOf(tree: string): string | undefined {
    for (const session of this.sessions.values()) {
      if (!session.live) continue;
      const writes = session.plan.rules.some(
        (r) => r.access !== 'read' && (r.path === tree || r.path.startsWith(`${tree}/`) || tree.startsWith(`${r.path}/`)) && r.path !== '/tmp' && !r.path.startsWith('/dev'),
      );
      if (writes) return session.name;
    }
    return undefined;
  }

  /** A session this daemon ran, by exact id. */
  /** The file denials recorded for a session, as `ps` counts them. */
  denialCount(id: string): number {
    return this.options.audit.log.count(id, 'fs.deny');
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /**
   * A session by name, id or id prefix: the live object when this daemon ran it, else the row
   * a previous daemon left in the store (for logs and inspect of lost sessions).
   */
  lookup(ref: string): { row: SessionRow; session: Session | undefined } {
    let session: Session | undefined;
    try {
      session = this.find(ref);
    } catch (error) {
      const rows = this.options.store.list();
      const byName = rows.find((r) => r.name === ref);
      const byId = /^[0-9a-f]{1,16}$/.test(ref) ? rows.filter((r) => r.id.startsWith(ref)) : [];
      const row = byName ?? (byId.length === 1 ? byId[0] : undefined);
      if (!row) throw error;
      return { row, session: undefined };
    }
    return { row: this.options.store.row(session.id)!, session };
  }

  get logDir(): string {
    return join(this.options.paths.stateDir, 'logs');
  }

  counts(): { running: number; total: number } {
    let running = 0;
    for (const s of this.sessions.values()) if (s.live) running++;
    return { running, total: this.sessions.size };
  }

  live(): Session[] {
    return [...this.sessions.values()].filter((s) => s.live);
  }

  async terminateAll(graceMs: number): Promise<void> {
    await Promise.all(this.live().map((s) => s.terminate(graceMs)));
  }
}
