// Keeps `nono` clients started ahead of time, for the `nono` launcher (native-helper/launcher/
// nono.c): Node's own start is most of what a short `nono run` costs, and the daemon is the one
// process already running when a command is typed. A warm client (client/bin/warm-client.cjs)
// waits on the runtime dir's launch.sock; the launcher hands it a command line and its terminal,
// and from then on it is an ordinary client of this daemon, replaced when its command ends.
// Started when the command line first connects, so a daemon only editors use keeps none; an
// unused warm client exits after ten minutes and takes the socket away with it, and the
// launcher then runs the Node client itself, as it does whenever no warm client answers.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { watchLauncher } from './launcher-watch.js';

interface LaunchHandoff {
  listenUnix(path: string): number;
}

export interface WarmClientsOptions {
  runtimeDir: string;
  secretPath: string;
  /** nono-helper's path (throws when it is not built): launch-handoff.node is built beside it. */
  helperPath: () => string;
  log: Logger;
  /** How many wait at once (default 2, so a command right after another finds one; 0: none, the launcher always runs the Node client). */
  size?: number;
  /** The client's bin/warm-client.cjs (default: the client package beside this one). */
  script?: string;
}

export interface WarmClientsStatus {
  starting: number;
  waiting: number;
  served: number;
}

/**
 * How long a taken warm client's command may run before its replacement starts. Starting one is a
 * fork of this daemon and a Node start: done while a short command runs, it is most of that
 * command's wait (the fork blocks the thread that answers session.run), so it waits for the end.
 */
const REFILL_AFTER_MS = 1000;
/** bin/warm-client.cjs's exit status when the installed bundle is not the one it loaded. */
const STALE_EXIT = 75;
/** Crashes in a row after which no more are started until the daemon restarts. */
const MAX_FAILURES = 3;
/** What Node reads at its start (locale, zone, where node is); the rest comes with each command. */
const START_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ'];

export class WarmClients {
  private listenFd: number | undefined;
  /** Each warm client not yet taken, by the daemon's end of its line, and how far it is. */
  private readonly clients = new Map<Socket, 'starting' | 'waiting'>();
  private served = 0;
  /** Taken warm clients' pids → the launcher each serves, while it runs. */
  private readonly launchers = new Map<number, number>();
  private failures = 0;
  private closed = false;
  private handoff: LaunchHandoff | undefined;
  private handoffPath: string | undefined;
  readonly socketPath: string;
  private readonly size: number;
  private readonly script: string;

  constructor(private readonly options: WarmClientsOptions) {
    this.socketPath = join(options.runtimeDir, 'launch.sock');
    this.size = options.size ?? 2;
    this.script = options.script ?? fileURLToPath(new URL('../../../client/bin/warm-client.cjs', import.meta.url));
  }

  status(): WarmClientsStatus {
    const states = [...this.clients.values()];
    return { starting: states.filter((s) => s === 'starting').length, waiting: states.filter((s) => s === 'waiting').length, served: this.served };
  }

  /** The launcher whose command the warm client with this pid runs, if it is one. */
  launcherOf(pid: number): number | undefined {
    return this.launchers.get(pid);
  }

  /**
   * The command line connected: if none are kept (not yet, or not since they idled out), start
   * them for its next command. Kept ones are replaced as they are taken, not here: this is also
   * how a taken warm client's own connection arrives, while its command is starting.
   */
  wanted(): void {
    if (this.listenFd !== undefined && existsSync(this.socketPath)) return;
    try {
      // Removed with the runtime dir (the daemon puts its own socket back, not this one): start over.
      if (this.listenFd !== undefined) this.disarm();
      this.arm();
    } catch (error) {
      // Out of fds or processes: the command line works without them, and this call must not fail.
      this.options.log.warn({ error: String(error) }, 'cannot start warm clients now');
      this.disarm();
    }
  }

  /** Tops the kept ones up while they are kept: never restarts what idled out or was disarmed. */
  private refill(): void {
    if (this.listenFd === undefined) return;
    try {
      this.arm();
    } catch (error) {
      this.options.log.warn({ error: String(error) }, 'cannot start a warm client now');
    }
  }

  private arm(): void {
    if (this.closed || this.failures >= MAX_FAILURES || this.size === 0) return;
    if (this.listenFd === undefined && !this.listen()) return;
    while (this.clients.size < this.size) this.startOne();
  }

  close(): void {
    this.closed = true;
    this.disarm();
  }

  private listen(): boolean {
    try {
      if (!existsSync(this.script)) throw new Error(`${this.script} is not installed`);
      this.handoffPath ??= join(dirname(this.options.helperPath()), 'launch-handoff.node');
      this.handoff ??= createRequire(import.meta.url)(this.handoffPath) as LaunchHandoff;
    } catch (error) {
      this.failures = MAX_FAILURES;
      this.options.log.warn({ error: String(error) }, 'no warm clients: every nono command starts Node');
      return false;
    }
    // Out of fds, say: tried again when the command line next connects.
    this.listenFd = this.handoff.listenUnix(this.socketPath);
    return true;
  }

  /** No warm client left: the socket goes, so the launcher falls back at once instead of waiting. */
  private disarm(): void {
    for (const control of this.clients.keys()) control.destroy();
    this.clients.clear();
    if (this.listenFd === undefined) return;
    try {
      unlinkSync(this.socketPath);
    } catch {
      // Removed with the runtime dir.
    }
    closeSync(this.listenFd);
    this.listenFd = undefined;
  }

  private startOne(): void {
    const env = Object.fromEntries(START_ENV.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]])));
    const child = spawn(process.execPath, [this.script, this.handoffPath!], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', this.listenFd!, 'pipe'],
      env,
    });
    const control = child.stdio[4] as Socket;
    /** Set once a command is its own: the replacement starts when that command ends, or after REFILL_AFTER_MS. */
    let refillTimer: NodeJS.Timeout | undefined;
    this.clients.set(control, 'starting');
    control.setEncoding('latin1');
    control.write(`${this.options.secretPath}\n`);
    control.on('error', () => undefined);
    // It says "loaded" once it waits on launch.sock, and "taken" when a launcher's command is its own.
    control.on('data', (said: string) => {
      if (said.includes('loaded') && this.clients.get(control) === 'starting') this.clients.set(control, 'waiting');
      const launcher = /taken (\d+)/.exec(said);
      if (launcher === null || !this.clients.has(control)) return;
      this.clients.delete(control);
      if (child.pid !== undefined) this.launchers.set(child.pid, Number(launcher[1]));
      watchLauncher(Number(launcher[1]), child);
      this.served++;
      this.failures = 0;
      control.destroy();
      refillTimer = setTimeout(() => this.refill(), REFILL_AFTER_MS);
      refillTimer.unref();
    });
    child.on('error', (error) => this.options.log.warn({ error: String(error) }, 'warm client did not start'));
    child.on('exit', (code, signal) => {
      if (child.pid !== undefined) this.launchers.delete(child.pid);
      if (refillTimer !== undefined) {
        clearTimeout(refillTimer);
        this.refill();
        return;
      }
      if (!this.clients.delete(control)) return;
      if (code === STALE_EXIT) {
        // nono was reinstalled: the others loaded the old bundle too. The next command line starts new ones.
        this.disarm();
        return;
      }
      if (code !== 0) {
        this.failures++;
        this.options.log.warn({ code, signal, failures: this.failures }, 'warm client ended before a command');
      }
      if (this.closed) return;
      if (code !== 0 && this.failures < MAX_FAILURES) this.refill();
      else if (this.clients.size === 0) this.disarm();
    });
    child.unref();
    control.unref();
  }
}
