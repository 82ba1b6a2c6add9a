// Runs the real `nono` binary the way a user's shell would, optionally as another user.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestWorld } from './sandbox-env.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const NONO_BIN = `${REPO}client/bin/nono.cjs`;
/** The `nono` users run (client/package.json's bin): the launcher that hands the command line to a warm client. */
export const NONO_LAUNCHER = `${REPO}client/bin/nono`;
export const NONOD_BIN = `${REPO}daemon/bin/nonod.js`;
export const PROBE_BIN = `${REPO}native-helper/build/escape-probe`;
export const FORGER_BIN = `${REPO}native-helper/build/launch-forger`;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  input?: string;
  env?: Record<string, string>;
  /** Run as this uid/gid via setpriv (tests as an unprivileged user). */
  as?: { uid: number; gid: number };
  timeoutMs?: number;
}

export function runCommand(argv: string[], world: TestWorld, options: CliOptions = {}): Promise<CliResult> {
  const env = { ...world.env, ...options.env };
  const [command, ...args] = options.as
    ? ['setpriv', `--reuid=${options.as.uid}`, `--regid=${options.as.gid}`, '--clear-groups', '--', ...argv]
    : argv;
  return new Promise((resolve, reject) => {
    const child = spawn(command!, args, { cwd: options.cwd ?? world.work, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    // A command that exits without reading its input (git does) must not fail the test with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

export function runCli(args: string[], world: TestWorld, options: CliOptions = {}): Promise<CliResult> {
  return runCommand([process.execPath, NONO_BIN, ...args], world, options);
}
