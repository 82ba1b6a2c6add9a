// Wires the daemon together: lock, secret, database, sessions, control socket, and an orderly
// shutdown that leaves no socket, secret or lock behind.
import { ApprovalBroker } from './approvals/approval-broker.js';
import { grantRefusalFor, refusalFor } from './approvals/approval-policy.js';
import { addToDraft } from './approvals/profile-draft.js';
import { approvalSettings } from './approvals/approval-settings.js';
import { homedir } from 'node:os';
import { existsSync, mkdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { NONO_VERSION, resolveNonoPaths, type NonoPaths } from '@nono/shared';
import { acquireLock, createSecret, ensurePrivateDir, releaseLock } from './runtime-files.js';
import { createLogger } from './logger.js';
import { openDatabase } from './database/database.js';
import { SnapshotIndex } from './database/snapshot-index.js';
import { SnapshotService } from './snapshots/snapshot-service.js';
import { DaemonAudit, loadAuditSigning } from './audit/daemon-audit.js';
import type { PackService } from './packs/pack-service.js';
import { keychainVault } from './credentials/keychain-vault.js';
import { SessionRows } from './database/session-rows.js';
import { pruneAfterHours } from './sessions/prune-schedule.js';
import { SessionManager } from './sessions/session-manager.js';
import { ControlServer } from './rpc/control-server.js';
import { activationSocket } from './rpc/socket-activation.js';
import { createDispatcher } from './rpc/dispatcher.js';
import { METHOD_TABLE } from './methods/method-table.js';
import { helperPath, probeSandbox, type SandboxFeatures } from './sandbox/helper-binary.js';
import { removeStaleSpecFiles } from './sandbox/spec-file.js';
import type { DaemonServices } from './rpc/call-context.js';
import { GroupCatalog } from './policy/group-catalog.js';
import { SecretNames } from './policy/secret-names.js';
import { LauncherRuns } from './launch/launcher-runs.js';
import { removeLostPrivateTmps } from './sandbox/private-tmp.js';
import { WarmClients } from './launch/warm-clients.js';
import { NetworkProfileCatalog } from './policy/network-profiles.js';
import { ProfileLoader } from './policy/profile-loader.js';
import type { Isolation, PolicyServices } from './policy/compile-plan.js';

export const VERSION = NONO_VERSION;

export interface StartedDaemon {
  paths: NonoPaths;
  stop(reason: string): Promise<void>;
  stopped: Promise<void>;
}

export type StartResult = { kind: 'started'; daemon: StartedDaemon } | { kind: 'already-running'; pid: number };

/**
 * How a daemon is started in-process. Everything but env is for tests, which need a world the
 * machine does not give them (a local stand-in for an API, an older kernel); only code that
 * calls startDaemon itself can set them: `nonod` never does, and reads no variable that would.
 */
export interface DaemonOptions {
  /** The environment paths and credentials are read from. */
  env?: NodeJS.ProcessEnv;
  /** Fixed answers (name → address) ahead of DNS for the session proxies. */
  resolve?: Record<string, string>;
  /** Credential route → upstream URL, in place of the real API. */
  credentialUpstreams?: Record<string, string>;
  /** PEM file of the CA those upstreams' certificates chain to. */
  credentialCa?: string;
  /** Passed to the helper before the spec (--no-userns: act as if user namespaces were off). */
  helperFlags?: string[];
  /** Use no Landlock ABI above this one, to behave as on an older kernel. */
  abiCap?: number;
  /** How often retention and scheduled session pruning run (default hourly). */
  housekeepingMs?: number;
  /** How many warm clients wait for the `nono` launcher (default 2; 0: none). */
  warmClients?: number;
  /** The warm client's script, in place of the client package's bin/warm-client.cjs beside this one. */
  warmClientScript?: string;
  /** false: no run.sock, so the launcher hands every command line to a warm client (default true). */
  launcherRuns?: boolean;
}

function isolationFrom(features: SandboxFeatures | undefined): Isolation {
  if (!features) return { view: false, reason: 'the sandbox helper could not be probed' };
  if (features.userns === true) return { view: true, reason: null };
  return { view: false, reason: `user namespaces are unavailable (${features.userns_error ?? 'the helper does not report them'})` };
}

export async function startDaemon(options: DaemonOptions = {}): Promise<StartResult> {
  const env = options.env ?? process.env;
  const paths = resolveNonoPaths(env);
  ensurePrivateDir(paths.runtimeDir);
  ensurePrivateDir(paths.stateDir);
  // The view masks only protected paths that exist: a config dir missing before the first profile
  // could be created, with a planted profiles/default.json, by a sandbox granted the directory
  // around it. (The packs dir lives under ~/.local, which nono must not create; its lock is
  // stamped in the state dir instead.)
  mkdirSync(paths.configDir, { recursive: true, mode: 0o700 });
  const packsLockStamp = join(paths.stateDir, 'packs-lock.sha256');
  const holder = acquireLock(paths.lockPath);
  if (holder !== undefined) return { kind: 'already-running', pid: holder };

  const helperFlags = options.helperFlags ?? [];
  const features = Promise.resolve().then(() => probeSandbox(helperPath(env), helperFlags));
  features.catch(() => undefined);
  // The catalogs are read (and validated) by the first plan that needs them, not at start.
  const catalogs: { groups?: GroupCatalog; networkProfiles?: NetworkProfileCatalog; secretNames?: SecretNames } = {};
  const policy: PolicyServices = {
    paths,
    get groups() {
      return (catalogs.groups ??= GroupCatalog.load());
    },
    get networkProfiles() {
      return (catalogs.networkProfiles ??= NetworkProfileCatalog.load());
    },
    get secretNames() {
      return (catalogs.secretNames ??= SecretNames.load());
    },
    profiles: new ProfileLoader(join(paths.configDir, 'profiles'), undefined, paths.packagesDir, packsLockStamp),
    daemonHome: homedir(),
    isolation: isolationFrom(await features.catch(() => undefined)),
    fileApprovals: (await features.catch(() => undefined))?.file_approvals === true,
  };
  const log = createLogger(paths.logPath);
  const secret = createSecret(paths.secretPath);
  const db = openDatabase(paths.dbPath);
  const sessionRows = new SessionRows(db);
  const lost = sessionRows.markLost();
  removeLostPrivateTmps(lost, log);
  const staleSpecs = removeStaleSpecFiles(paths.runtimeDir);
  const audit = new DaemonAudit(db, await loadAuditSigning(keychainVault, paths.stateDir, log), log);
  audit.record({ kind: 'daemon.start', payload: { pid: process.pid, version: VERSION } });
  audit.applyRetention(paths.configDir);
  // Loaded on the first pack or registry call: tar, HTTP and signature code an idle daemon never needs.
  let packService: Promise<PackService> | undefined;
  const packs = (): Promise<PackService> =>
    (packService ??= import('./packs/pack-service.js').then(
      ({ PackService: Service }) => new Service({ packagesDir: paths.packagesDir, lockStamp: packsLockStamp, configDir: paths.configDir, vault: keychainVault, record: (event) => audit.record(event) }),
    ));
  const housekeeping = (): void => {
    audit.applyRetention(paths.configDir);
    try {
      const hours = pruneAfterHours(paths.configDir);
      if (hours === null) return;
      const removed = sessions.prune(new Date(Date.now() - hours * 3_600_000));
      if (removed > 0) log.info({ removed, hours }, 'pruned ended sessions');
    } catch (error) {
      log.warn({ error: String(error) }, 'scheduled session prune skipped');
    }
  };
  const housekeepingTimer = setInterval(housekeeping, options.housekeepingMs ?? 3_600_000).unref();
  const snapshots = new SnapshotService({
    root: join(paths.stateDir, 'snapshots'),
    index: new SnapshotIndex(db),
    configDir: paths.configDir,
    isLive: (id): boolean => sessions.get(id)?.live === true,
    log,
    record: (event) => audit.record(event),
  });
  void snapshots.removeAbandoned().catch((error: unknown) => log.warn({ error: String(error) }, 'cannot remove what an interrupted snapshot left'));
  const approvals = new ApprovalBroker({
    record: (event) => audit.record(event),
    session: (id) => {
      const session = sessions.get(id);
      return session?.live ? { name: session.name, clients: [...session.attachments.keys()] } : undefined;
    },
    refusal: (request) => refusalFor(sessions.get(request.session)?.plan, request),
    grantRefusal: (request, answer) => grantRefusalFor(sessions.get(request.session)?.plan, request, answer),
    persist: (request, readOnly) => addToDraft(join(paths.configDir, 'profiles'), sessions.get(request.session)?.plan.profile ?? 'default', request, readOnly),
    settings: () => approvalSettings(paths.configDir),
  });
  const sessions: SessionManager = new SessionManager({
    approvals,
    paths,
    policy,
    store: sessionRows,
    snapshots,
    audit,
    log,
    helperFlags,
    abiCap: options.abiCap,
    resolve: options.resolve,
    ...(options.credentialUpstreams ? { credentialOverride: { upstreams: options.credentialUpstreams, ca: options.credentialCa } } : {}),
  });

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | undefined;
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      log.info({ reason }, 'daemon stopping');
      // A socket file a successor bound after ours was removed is the successor's to keep,
      // and so is the secret beside it. An activated socket is systemd's: it stays, so the next
      // client starts us again.
      const ours = control.ownsSocketFile(paths.socketPath) || !existsSync(paths.socketPath);
      control.close();
      warmClients.close();
      launcherRuns.close();
      await sessions.terminateAll(2000);
      if (packService) await (await packService).closeServers();
      const files = !ours ? [] : activated === undefined ? [paths.socketPath, paths.secretPath] : [paths.secretPath];
      for (const file of files) {
        try {
          unlinkSync(file);
        } catch {
          // Already removed.
        }
      }
      clearInterval(housekeepingTimer);
      // Each step may fail on a full or vanished disk (the audit's last write, the log's flush);
      // the daemon still stops, and says why on the way out if it can.
      for (const [what, step] of [
        ['audit stop record', () => audit.record({ kind: 'daemon.stop', payload: { pid: process.pid, reason } })],
        ['audit log', () => audit.log.close()],
        ['database', () => db.close()],
        ['lock', () => releaseLock(paths.lockPath)],
        ['log', () => {
          log.info('daemon stopped');
          log.flush();
        }],
      ] as const) {
        try {
          step();
        } catch (error) {
          try {
            writeSync(2, `nonod: while stopping, could not close the ${what}: ${(error as Error).message}\n`);
          } catch {
            // Nowhere left to say it.
          }
        }
      }
      resolveStopped();
    })();
    return stopping;
  };

  const warmClients = new WarmClients({
    runtimeDir: paths.runtimeDir,
    secretPath: paths.secretPath,
    helperPath: () => helperPath(env),
    log,
    ...(options.warmClients !== undefined ? { size: options.warmClients } : {}),
    ...(options.warmClientScript !== undefined ? { script: options.warmClientScript } : {}),
  });
  const services: DaemonServices = {
    version: VERSION,
    paths,
    policy,
    startedAt: Date.now(),
    secret,
    sessions,
    approvals,
    snapshots,
    audit,
    sessionRows,
    log,
    packs,
    features: () => features,
    warmClients,
    launcherRuns: () => launcherRuns,
    stop: (reason) => void stop(reason),
  };
  const dispatcher = createDispatcher(METHOD_TABLE);
  const launcherRuns = new LauncherRuns(() => services, dispatcher, options.launcherRuns !== false);
  const control = new ControlServer(services, dispatcher);
  const activated = activationSocket(process.env);
  if (activated === undefined) await control.listen(paths.socketPath);
  else await control.listenOnFd(activated, paths.socketPath);
  log.info({ socket: paths.socketPath, lost: lost.length, staleSpecs, home: homedir() }, 'daemon listening');
  return { kind: 'started', daemon: { paths, stop, stopped } };
}
