// A command started as a user would (as `as`, exec'd by setpriv so its pid is the command's),
// given a signal once it printed "started": how the launcher tests check signals reach a session.
import { spawn } from 'node:child_process';
import type { TestWorld } from './sandbox-env.js';

export async function signalOnceStarted(argv: string[], world: TestWorld, as: { uid: number; gid: number } | undefined, signal: NodeJS.Signals): Promise<number | null> {
  const [command, ...args] = as ? ['setpriv', `--reuid=${as.uid}`, `--regid=${as.gid}`, '--clear-groups', '--', ...argv] : argv;
  const child = spawn(command!, args, { cwd: world.work, env: world.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 15_000;
  while (!out.includes('started') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (!out.includes('started')) throw new Error(`${argv.join(' ')} did not start: ${out}`);
  child.kill(signal);
  return new Promise((resolve) => child.on('close', (code) => resolve(code)));
}
