// A broken profile must stop `nono run` before anything starts: exit 125, one line naming what
// is wrong, and the command never ran (its marker file does not exist).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { TestWorld } from './sandbox-env.js';
import { runCli } from './run-cli.js';

export async function expectRunRefused(world: TestWorld, profile: string, message: RegExp): Promise<void> {
  const marker = join(world.work, `ran-${profile}`);
  const r = await runCli(['run', '-p', profile, '--', 'touch', marker], world);
  expect(r.code).toBe(125);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(message);
  expect(existsSync(marker)).toBe(false);
}
