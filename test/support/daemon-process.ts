// Starts a private nonod for a test world and stops it afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { DaemonOptions } from '@nono/daemon';
import { createWorld, type TestWorld, type WorldOptions } from './sandbox-env.js';
import { NONOD_BIN } from './run-cli.js';

/** What a test may set that `nonod` never reads from anywhere; passed through the test-only entry. */
export type TestDaemonOptions = Omit<DaemonOptions, 'env'>;

const TEST_ENTRY = fileURLToPath(new URL('./nonod-test-entry.mjs', import.meta.url));

export interface RunningDaemon {
  process: ChildProcess;
  stop(): Promise<void>;
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitForSocket(path: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(path))) {
    if (Date.now() > deadline) throw new Error(`no daemon socket at ${path} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startDaemon(
  world: TestWorld,
  options: { env?: Record<string, string>; as?: { uid: number; gid: number }; daemon?: TestDaemonOptions } = {},
): Promise<RunningDaemon> {
  if (await canConnect(world.socketPath)) throw new Error(`a daemon already answers at ${world.socketPath}; stop it first`);
  const env = { ...world.env, ...options.env };
  const entry = options.daemon ? [process.execPath, TEST_ENTRY, JSON.stringify(options.daemon)] : [process.execPath, NONOD_BIN];
  const argv = options.as ? ['setpriv', `--reuid=${options.as.uid}`, `--regid=${options.as.gid}`, '--clear-groups', '--', ...entry] : entry;
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([
    waitForSocket(world.socketPath),
    exited.then(() => {
      throw new Error(`nonod exited early: ${stderr}`);
    }),
  ]);
  return {
    process: child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

export interface PrivateDaemon {
  world: TestWorld;
  daemon: RunningDaemon;
}

/** A fresh world and its own daemon for the enclosing describe block (or file). */
export function usePrivateDaemon(
  options: { world?: WorldOptions; env?: Record<string, string>; as?: { uid: number; gid: number }; daemon?: TestDaemonOptions } = {},
): PrivateDaemon {
  const ctx = {} as PrivateDaemon;
  beforeAll(async () => {
    ctx.world = createWorld(options.world);
    ctx.daemon = await startDaemon(ctx.world, options);
  });
  afterAll(async () => {
    await ctx.daemon?.stop();
    ctx.world?.cleanup();
  });
  return ctx;
}
