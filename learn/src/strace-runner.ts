// Runs the command under `strace -f`, outside any sandbox, into a private trace file. The
// command is checked before tracing starts, so a typo is an error and not an empty trace,
// and a time limit or a cancel ends every traced process, including those that left the
// process group, since each one names strace as its tracer.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NonoError } from '@nono/shared';

/** Every call learn classifies; `?` keeps strace quiet about those this architecture lacks. */
const TRACED_CALLS = [
  'open', 'openat', 'openat2', 'creat',
  'stat', 'lstat', 'stat64', 'lstat64', 'newfstatat', 'fstatat64', 'statx',
  'access', 'faccessat', 'faccessat2', 'readlink', 'readlinkat',
  'execve', 'execveat', 'chdir', 'fchdir',
  'mkdir', 'mkdirat', 'rmdir', 'unlink', 'unlinkat', 'rename', 'renameat', 'renameat2',
  'symlink', 'symlinkat', 'link', 'linkat', 'truncate', 'truncate64', 'chmod', 'fchmodat',
  'connect', 'bind', 'listen', 'sendto', 'sendmsg', 'sendmmsg',
  'clone', 'clone3', 'fork', 'vfork',
];

export interface TraceOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutSeconds?: number | undefined;
  /** The strace binary; by default `strace` on the daemon's PATH. */
  stracePath?: string | undefined;
  signal?: AbortSignal | undefined;
  /** The command's own output; discarded when absent. */
  onOutput?: ((stream: 'stdout' | 'stderr', chunk: Buffer) => void) | undefined;
}

export interface TraceRun {
  traceFile: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  partial: boolean;
  reason: string | null;
  /** Removes the trace file and its private directory. */
  discard: () => void;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The file `name` runs, found as execvp would find it; null when there is none. */
function findExecutable(name: string, cwd: string, pathVariable: string | undefined): string | null {
  if (name.includes('/')) {
    const path = resolve(cwd, name);
    return isExecutableFile(path) ? path : null;
  }
  for (const dir of (pathVariable ?? '').split(delimiter)) {
    const path = join(resolve(cwd, dir || '.'), name);
    if (isExecutableFile(path)) return path;
  }
  return null;
}

function locateStrace(stracePath: string | undefined): string {
  const found = stracePath !== undefined ? (isExecutableFile(stracePath) ? stracePath : null) : findExecutable('strace', '/', `${process.env.PATH ?? ''}${delimiter}/usr/bin`);
  if (found) return found;
  throw new NonoError('LEARN_UNAVAILABLE', `nono learn traces commands with strace, which is not installed${stracePath ? ` at ${stracePath}` : ''}; install strace (apt-get install strace)`, {
    tracer: stracePath ?? 'strace',
  });
}

/** Pids whose tracer is this strace: the whole traced tree, wherever its process groups went. */
function traceesOf(tracer: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (new RegExp(`^TracerPid:\\s+${tracer}$`, 'm').test(readFileSync(`/proc/${entry}/status`, 'utf8'))) found.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}

/** Kills the traced tree; strace then writes its last lines and exits by itself. */
async function stopTraced(child: ChildProcess): Promise<void> {
  const pid = child.pid!;
  const running = () => child.exitCode === null && child.signalCode === null;
  for (let round = 0; round < 20 && running(); round++) {
    const tracees = traceesOf(pid);
    if (tracees.length === 0) break;
    for (const tracee of tracees) {
      try {
        process.kill(tracee, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await sleep(50);
  }
  await sleep(2000, undefined, { ref: false });
  // Anything left in strace's own process group (strace itself, stuck) goes too.
  if (running()) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // The group emptied meanwhile.
    }
  }
}

/** The first line strace wrote about itself (not the command's output), if any. */
function straceComplaint(stderr: string): string | null {
  return stderr.split('\n').find((line) => line.startsWith('strace: '))?.trim() ?? null;
}

export async function traceCommand(command: string[], options: TraceOptions): Promise<TraceRun> {
  const [program, ...args] = command;
  if (!program) throw new NonoError('COMMAND_INVALID', 'nono learn needs a command to trace, after --');
  const strace = locateStrace(options.stracePath);
  if (!findExecutable(program, options.cwd, options.env.PATH)) {
    throw new NonoError('COMMAND_INVALID', `command not found: ${program} is not an executable file${program.includes('/') ? '' : ' on PATH'}`, { command: program });
  }
  const dir = mkdtempSync(join(tmpdir(), 'nono-learn-'));
  const traceFile = join(dir, 'trace');
  const discard = () => rmSync(dir, { recursive: true, force: true });
  const straceArgs = ['-f', '-qq', '-yy', '--seccomp-bpf', '-s', '4096', '-e', `trace=${TRACED_CALLS.map((c) => `?${c}`).join(',')}`, '-e', 'signal=none', '-o', traceFile];
  const child = spawn(strace, [...straceArgs, '--', program, ...args], {
    cwd: options.cwd,
    env: options.env,
    // Its own process group: the last-resort kill reaches strace and whatever stayed with it.
    detached: true,
    stdio: ['ignore', options.onOutput ? 'pipe' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => options.onOutput?.('stdout', chunk));
  child.stderr!.on('data', (chunk: Buffer) => {
    options.onOutput?.('stderr', chunk);
    stderr = (stderr + chunk.toString('utf8')).slice(-8192);
  });

  let reason: string | null = null;
  const stop = (why: string) => {
    if (reason !== null) return;
    reason = why;
    void stopTraced(child);
  };
  const timer = options.timeoutSeconds ? setTimeout(() => stop(`timeout after ${options.timeoutSeconds} s`), options.timeoutSeconds * 1000) : undefined;
  const onAbort = () => stop('cancelled');
  options.signal?.addEventListener('abort', onAbort);
  if (options.signal?.aborted) onAbort();
  try {
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done, fail) => {
      child.on('error', fail);
      child.on('close', (code, sig) => done([code, sig]));
    });
    let traced = 0;
    try {
      traced = statSync(traceFile).size;
    } catch {
      // strace never opened it: the complaint below says why.
    }
    const complaint = straceComplaint(stderr);
    if (traced === 0 && complaint && reason === null) {
      throw new NonoError('LEARN_UNAVAILABLE', `strace cannot trace here (${complaint}); nono learn needs ptrace, which containers may forbid`, { tracer: strace });
    }
    return { traceFile, exitCode, signal, partial: reason !== null, reason, discard };
  } catch (error) {
    discard();
    if (error instanceof NonoError) throw error;
    throw new NonoError('LEARN_UNAVAILABLE', `could not start ${strace}: ${(error as Error).message}; install strace (apt-get install strace)`, { tracer: strace });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
