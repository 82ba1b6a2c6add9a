// Creates the agent state paths a plan marks missing (filesystem.state and state_file), on the
// host, before the sandbox starts: an agent cannot create its own ~/.codex when the view holds
// only what exists, and a first run would otherwise fail or hang. Private modes, as the agents
// keep credentials there; they stay for the next run.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { NonoError, type SandboxPlan } from '@nono/shared';

export function createStatePaths(plan: SandboxPlan): void {
  for (const rule of plan.rules) {
    if (!rule.create) continue;
    try {
      if (rule.kind === 'dir') {
        mkdirSync(rule.path, { recursive: true, mode: 0o700 });
      } else {
        mkdirSync(dirname(rule.path), { recursive: true, mode: 0o700 });
        // An empty .json file is a parse error to the agent (Claude Code refuses to start).
        // 'wx': another run may have created it meanwhile; never overwrite what is there.
        try {
          const fd = openSync(rule.path, 'wx', 0o600);
          if (rule.path.endsWith('.json')) writeSync(fd, '{}\n');
          closeSync(fd);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
      }
    } catch (error) {
      throw new NonoError('PATH_INVALID', `${rule.source} ${rule.path}: cannot create it (${(error as Error).message}); create it yourself or fix the profile`, {
        path: rule.path,
        flag: rule.source,
      });
    }
  }
}
