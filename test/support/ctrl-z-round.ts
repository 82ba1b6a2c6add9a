// Job control as a person meets it, at a shell on a real terminal: a `nono run` whose stdout is
// a pipe (so the terminal stays cooked and Ctrl-Z is the terminal's) writes what is typed into a
// file; Ctrl-Z stops the job, the shell then gets what is typed, and after `fg` the job reads
// again. The launcher tests run it through a warm client and through a run nonod serves.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NONO_LAUNCHER } from './run-cli.js';
import type { RealTerminal } from './real-terminal.js';
import type { TestWorld } from './sandbox-env.js';
import { until } from './until.js';

/** Types a line, stops the job, runs a shell command, resumes it and types another; returns what the file holds then. */
export async function typeAcrossCtrlZ(t: RealTerminal, world: TestWorld, file: string): Promise<string> {
  const path = join(world.work, file);
  const contents = () => (existsSync(path) ? readFileSync(path, 'utf8') : '');
  t.type(`${NONO_LAUNCHER} run --allow-cwd -- sh -c 'cat > ${file}' | cat\r`);
  await until(() => existsSync(path), 'the sandboxed cat');
  t.type('first\r');
  await until(() => contents() === 'first\n', 'the first line');
  t.type('\x1a');
  await t.waitFor(/Stopped/);
  t.type('echo SHELL-$((40+2))\r');
  await t.waitFor(/SHELL-42/);
  t.type('fg\r');
  await new Promise((r) => setTimeout(r, 300));
  t.type('second\r\x04');
  await until(() => contents() === 'first\nsecond\n', 'the line typed after fg');
  return contents();
}
