// `nono run` from the request to the helper's exec, in the order it happens: gather every input
// (the session id, the trust gate's verdict), compile the one plan, record the trust verdict,
// make what the plan says must exist (state paths, git control dirs, skills, the private /tmp), start
// the proxy, encode the spec, run the packs' pre-run hooks with it, take the snapshot baseline,
// build the session and spawn the helper. A dry run stops after the compile, refusing exactly as a run would, recording nothing.
// Threat: the spec handed to the helper is the plan serialised; nothing here adds a rule.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { nameToBytes, NonoError, type NonoPaths, type ParamsOf, type SandboxPlan } from '@nono/shared';
import { compilePlan, type CompiledPlan, type PolicyServices } from '../policy/compile-plan.js';
import { planWorkdir } from '../policy/plan/plan-context.js';
import { encodeSpec } from '../sandbox/encode-spec.js';
import { helperPath } from '../sandbox/helper-binary.js';
import { removeSpecFile, writeSpecFile } from '../sandbox/spec-file.js';
import { checkTrust, type TrustGateResult } from '../trust/run-gate.js';
import type { DaemonAudit } from '../audit/daemon-audit.js';
import { startSessionProxy, type SessionProxy } from '../network/session-proxy.js';
import type { Resolver } from '../network/checked-address.js';
import type { UpstreamOverride } from '../network/phantom-proxy.js';
import type { ApprovalBroker } from '../approvals/approval-broker.js';
import { serveFileApprovals } from '../approvals/file-approval-channel.js';
import type { SnapshotService } from '../snapshots/snapshot-service.js';
import type { SessionRows } from '../database/session-rows.js';
import { launchOnPipes, launchOnPty, type LaunchOptions, type SandboxProcess } from './sandbox-process.js';
import { randomSessionName } from './session-names.js';
import { createStatePaths } from './state-paths.js';
import { Session, type SessionClient } from './session.js';
import { keysInto } from './terminal-keys.js';
import { DenialRecorder } from './denial-recorder.js';
import { OutputLog } from './output-log.js';
import { userProcessCount } from './process-tree.js';
import { HostExecGuard } from './host-exec-sweep.js';
import { runPreRunHooks } from './pre-run-hooks.js';
import { placeSkills } from './place-skills.js';

export interface LaunchServices {
  paths: NonoPaths;
  policy: PolicyServices;
  store: SessionRows;
  snapshots: SnapshotService;
  audit: DaemonAudit;
  log: Logger;
  abiCap?: number | undefined;
  /** Test switches passed before the spec (--no-userns). */
  helperFlags?: string[] | undefined;
  credentialOverride?: UpstreamOverride | undefined;
  /** Where held network requests (and file requests from the helper) are asked. */
  approvals?: ApprovalBroker | undefined;
}

/** What the launch needs of the session registry. */
export interface SessionRegistry {
  readonly logDir: string;
  readonly resolve: Resolver;
  isLiveName(name: string): boolean;
  add(session: Session): void;
  trackFinalSnapshot(id: string, final: Promise<unknown>): void;
}

type RunParams = ParamsOf<'session.run'>;

interface Inputs {
  id: string;
  trust: TrustGateResult | undefined;
}

const DETACHED_SIZE = { rows: 24, cols: 80 };

/** The plan a run with these parameters would get; `--dry-run` shows it. Records nothing. */
export async function planRun(params: RunParams, services: LaunchServices): Promise<CompiledPlan> {
  const inputs = await gatherInputs(params, services, undefined);
  return compilePlan(params, services.policy, { sessionId: inputs.id, trust: inputs.trust });
}

/** Starts a session; the caller is attached unless it asked for a detached one. */
export async function launchSession(params: RunParams, client: SessionClient, services: LaunchServices, registry: SessionRegistry): Promise<{ session: Session; plan: SandboxPlan; direct: { output: boolean; input: boolean } }> {
  const helper = helperPath();
  refuseTakenName(params, registry);
  const inputs = await gatherInputs(params, services, services.audit);
  const compiled = compilePlan(params, services.policy, { sessionId: inputs.id, trust: inputs.trust });
  const { plan } = compiled;
  recordTrustVerdict(services.audit, inputs);
  prepareHost(compiled);
  const name = params.name ?? randomSessionName((n) => registry.isLiveName(n));
  const proxy = await startProxy(plan, inputs.id, name, params, services, registry).catch((error: unknown) => {
    if (compiled.privateTmpDir) rmSync(compiled.privateTmpDir, { recursive: true, force: true });
    throw error;
  });
  const env: Record<string, string> = { ...compiled.env, ...proxy?.env, NONO_SESSION: name };
  const spec = encodeSpec(plan, {
    abiCap: services.abiCap,
    processesBesides: plan.isolation.mode === 'view' ? 1 : userProcessCount(),
    ...(proxy ? { proxy: { port: proxy.port, socketPath: proxy.socketPath, auth: proxy.auth, forwards: proxy.forwards } } : {}),
  });
  // In the session's own sandbox, before anything of the session exists to clean up.
  await runPreRunHooks(plan, { helper, helperFlags: services.helperFlags ?? [], spec, argv: params.argv, env, session: inputs.id, audit: services.audit }).catch((error: unknown) => {
    proxy?.close();
    if (compiled.privateTmpDir) rmSync(compiled.privateTmpDir, { recursive: true, force: true });
    throw error;
  });
  const guard = new HostExecGuard({ ...compiled.hostExec, startedAtMs: Date.now(), session: name });
  // A detached session still gets a terminal: it is there to be attached to later.
  const terminal = params.terminal ?? (params.detached ? DETACHED_SIZE : null);
  const snapshotting = snapshotRules(params, compiled);
  // Before the command starts, so the baseline is what the user had.
  if (snapshotting) await services.snapshots.sessionBaseline(inputs.id, plan, snapshotting, params.snapshotName);
  const session = createSession({ params, id: inputs.id, name, compiled, terminal, guard, proxy, snapshotting, services, registry });
  recordSessionStart(services.audit, session, params);
  // Taken before the command starts, so its first output is held for the terminal, not sent.
  const keys = params.directInput ? keysInto(session, client, params.directInput.detachKey) : undefined;
  const direct = params.directOutput === true && terminal !== null && !params.detached ? client.takeTerminal(session.id, keys) : { output: false, input: false };
  if (!params.detached) session.attach(client, { readOnly: false, size: terminal, binary: params.binaryOutput === true && client.binaryFrames(), paces: terminal === null });
  spawnHelper({ helper, spec, session, env, terminal, params, services, guard });
  return { session, plan, direct };
}

function refuseTakenName(params: RunParams, registry: SessionRegistry): void {
  if (params.name !== undefined && registry.isLiveName(params.name)) {
    throw new NonoError('NAME_TAKEN', `session name ${params.name} is taken by a running session; pick another --name`, { name: params.name });
  }
}

/**
 * What the plan needs that compiling cannot find out itself: a fresh session id (it names the
 * private /tmp and the session CA files) and the trust gate's verdict. A refusal by the gate is
 * recorded when `audit` is given (a real run), and thrown either way.
 */
async function gatherInputs(params: RunParams, services: LaunchServices, audit: DaemonAudit | undefined): Promise<Inputs> {
  const id = randomBytes(8).toString('hex');
  const workdir = planWorkdir(params, services.policy.daemonHome);
  const trust = await checkTrust(workdir, services.paths.configDir, params.trustOverride === true).catch((error: unknown) => {
    if (audit && error instanceof NonoError) audit.record({ kind: 'trust.verify', session: id, payload: { path: workdir, result: 'refused', reason: error.message } });
    throw error;
  });
  return { id, trust };
}

function recordTrustVerdict(audit: DaemonAudit, inputs: Inputs): void {
  const { id, trust } = inputs;
  if (!trust) return;
  for (const result of trust.report.results) audit.record({ kind: 'trust.verify', session: id, payload: { path: result.path, result: result.status, sha256: result.sha256 } });
  if (!trust.overridden) return;
  for (const failure of trust.report.failures) audit.record({ kind: 'trust.override', session: id, payload: { path: failure.path, reason: failure.reason ?? failure.status } });
}

/**
 * Makes on the host what the plan says must exist before the helper starts: missing agent
 * state paths, missing git control directories (to bind them read-only), the packs' skills
 * and the private /tmp.
 */
export function prepareHost(compiled: Pick<CompiledPlan, 'plan' | 'privateTmpDir'>): void {
  createStatePaths(compiled.plan);
  makeMissingControlDirs(compiled.plan);
  placeSkills(compiled.plan);
  makePrivateTmp(compiled.privateTmpDir);
}

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

/**
 * The plan named the directory (after the session id); made here, owner-only. mkdir fails on
 * anything already there, a planted symlink included, so the sandbox never gets another's.
 */
function makePrivateTmp(dir: string | null): void {
  if (dir === null) return;
  try {
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o700);
  } catch (error) {
    throw new NonoError('SANDBOX_UNAVAILABLE', `cannot create the private temporary directory ${dir}: ${(error as Error).message}`, { path: dir });
  }
}

/**
 * Proxied mode's filtering proxy. The files it writes for the sandbox (the session CA) are at
 * the paths the plan already grants; any other would be a rule the plan does not list, so it
 * is refused.
 */
async function startProxy(plan: SandboxPlan, id: string, name: string, params: RunParams, services: LaunchServices, registry: SessionRegistry): Promise<SessionProxy | undefined> {
  if (plan.network !== 'proxied') return undefined;
  const proxy = await startSessionProxy(plan, {
    log: services.log.child({ session: id, name, component: 'proxy' }),
    resolve: registry.resolve,
    credentialOverride: services.credentialOverride,
    socketDir: join(services.paths.runtimeDir, 'proxies'),
    id,
    record: (event) => services.audit.record(event),
    runEnv: params.env,
    ...(plan.approvals?.network && services.approvals ? { ask: (host: string, port: number, method: string, gone: AbortSignal) => services.approvals!.ask({ session: id, kind: 'network', host, port, method }, gone) } : {}),
  });
  const unplanned = proxy.readable.filter((path) => !plan.rules.some((r) => r.path === path));
  if (unplanned.length > 0) {
    proxy.close();
    throw new NonoError('SANDBOX_UNAVAILABLE', `the session proxy wrote ${unplanned.join(', ')}, which the plan does not grant; this is a bug in nono, please report it`);
  }
  return proxy;
}

/** The snapshot rules when this run snapshots (--snapshot, a name, or the profile's rollback). */
function snapshotRules(params: RunParams, compiled: CompiledPlan): { exclude: string[]; include: string[] } | undefined {
  const taking = params.snapshot === true || params.snapshotName !== undefined || compiled.rollback.enabled;
  if (!taking) return undefined;
  return { exclude: [...compiled.rollback.exclude, ...(params.snapshotExclude ?? [])], include: params.snapshotInclude ?? [] };
}

function createSession(a: {
  params: RunParams;
  id: string;
  name: string;
  compiled: CompiledPlan;
  terminal: { rows: number; cols: number } | null;
  guard: HostExecGuard;
  proxy: SessionProxy | undefined;
  snapshotting: { exclude: string[]; include: string[] } | undefined;
  services: LaunchServices;
  registry: SessionRegistry;
}): Session {
  const { params, id, name, compiled, terminal, services } = a;
  const { plan } = compiled;
  const record = services.audit.record.bind(services.audit);
  const session = new Session({
    id,
    name,
    record,
    argv: params.argv,
    plan,
    store: services.store,
    log: services.log.child({ session: id, name }),
    privateTmp: compiled.privateTmpDir ?? undefined,
    output: OutputLog.forSession(a.registry.logDir, id),
    denials: new DenialRecorder(id, plan, params.env.HOME?.startsWith('/') ? params.env.HOME : services.policy.daemonHome, record),
    snapshots: a.snapshotting !== undefined,
    terminal,
    persistent: params.name !== undefined || params.detached === true || terminal !== null,
    sweep: () => a.guard.finish(),
    onEnd: () => {
      a.proxy?.close();
      services.approvals?.endSession(id);
      if (!a.snapshotting) return;
      const rules = a.snapshotting;
      const final = services.snapshots.sessionFinal(id, rules).catch((error: unknown) => services.log.warn({ session: id, error: String(error) }, 'final snapshot failed'));
      a.registry.trackFinalSnapshot(id, final);
    },
  });
  services.store.insert({ id, name, argv: params.argv, cwd: plan.cwd, startedAt: session.startedAt, plan });
  a.registry.add(session);
  return session;
}

/** The digest is of the plan the spec is encoded from, the same object the dry run shows. */
function recordSessionStart(audit: DaemonAudit, session: Session, params: RunParams): void {
  const { plan } = session;
  audit.record({
    kind: 'session.start',
    session: session.id,
    payload: { policyDigest: createHash('sha256').update(JSON.stringify(plan)).digest('hex'), command: params.argv, profile: plan.profile, cwd: plan.cwd, user: audit.user, name: session.name },
  });
}

/**
 * A terminal session's file-approval channel: node-pty passes the helper no extra fd, so the
 * helper connects to this socket before it does anything else (native-helper/README.md).
 * Threat: the socket lies in the 0700 runtime dir, which every plan keeps out of the sandbox,
 * and only its first connection, the helper's, is served; the listener then closes.
 */
function fileApprovalSocket(session: Session, services: LaunchServices): { path: string; close(): void } | undefined {
  const broker = session.plan.approvals?.files ? services.approvals : undefined;
  if (!broker) return undefined;
  const dir = join(services.paths.runtimeDir, 'approvals');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${session.id}.sock`);
  rmSync(path, { force: true });
  const log = session.log.child({ component: 'file-approvals' });
  const close = (): void => {
    server.close();
    rmSync(path, { force: true });
  };
  const server = createServer((channel) => {
    close();
    serveFileApprovals(channel, session.id, (request, withdrawn) => broker.ask(request, withdrawn), log, session.plan.isolation.mode === 'landlock');
  });
  server.on('error', (error) => log.warn({ error: String(error) }, 'file-approval socket failed; opens outside the grants fail'));
  // Bound before the helper starts: the bind is synchronous, and a connect waits in the backlog.
  server.listen(path);
  return { path, close };
}

/** The spec goes on fd 3 for sessions on pipes, in a private file for terminals. */
function spawnHelper(a: {
  helper: string;
  spec: Buffer;
  session: Session;
  env: Record<string, string>;
  terminal: { rows: number; cols: number } | null;
  params: RunParams;
  services: LaunchServices;
  guard: HostExecGuard;
}): void {
  const { session, terminal, services } = a;
  const launch: LaunchOptions = { helper: a.helper, helperArgs: [], argv: a.params.argv, cwd: session.plan.cwd, env: a.env };
  let specFile: string | undefined;
  let approvalSocket: { path: string; close(): void } | undefined;
  const events = {
    output: (stream: 'pty' | 'stdout' | 'stderr', data: Buffer) => session.output(stream, data),
    exit: (code: number | null, signal: number | null) => {
      if (specFile) removeSpecFile(specFile);
      approvalSocket?.close();
      session.exited(code, signal);
    },
  };
  let process: SandboxProcess;
  try {
    if (terminal) {
      specFile = writeSpecFile(services.paths.runtimeDir, a.spec);
      launch.helperArgs = [...(services.helperFlags ?? []), '--spec-file', specFile];
      approvalSocket = fileApprovalSocket(session, services);
      if (approvalSocket) launch.helperArgs.push('--approvals-socket', approvalSocket.path);
      process = launchOnPty(launch, terminal, events);
    } else {
      launch.helperArgs = [...(services.helperFlags ?? []), '--spec-fd', '3'];
      const approvals = session.plan.approvals?.files ? services.approvals : undefined;
      if (approvals) {
        // Threat: only opens outside the grants come this way, and the broker decides policy first.
        launch.helperArgs.push('--approvals-fd', '4');
        // The channel closes with the helper, its other end's only holder.
        launch.approvals = (channel) => void serveFileApprovals(channel, session.id, (request, withdrawn) => approvals.ask(request, withdrawn), session.log.child({ component: 'file-approvals' }), session.plan.isolation.mode === 'landlock');
      }
      process = launchOnPipes(launch, a.spec, events);
    }
  } catch (error) {
    if (specFile) removeSpecFile(specFile);
    approvalSocket?.close();
    a.guard.close();
    session.failed(String(error));
    throw new NonoError('SPAWN_FAILED', `could not start nono-helper: ${(error as Error).message}; check the daemon log`);
  }
  session.started(process);
}
