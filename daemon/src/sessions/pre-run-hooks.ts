// A pack's pre-run hooks, run one by one before the session's command, each by the helper with
// the session's own spec: argv [hook, ...command], the session's cwd and environment. The first
// that exits non-zero (or is killed, or outlasts HOOK_TIMEOUT_MS) refuses the run in one line.
// Threat: a hook is code from a registry; it runs only inside the sandbox the plan describes,
// never on the host, with its stdin closed and its output kept from the caller's terminal.
import { spawn } from 'node:child_process';
import { NonoError, type SandboxPlan } from '@nono/shared';
import type { DaemonAudit } from '../audit/daemon-audit.js';
import { groupSignaller } from '../process-group.js';

const HOOK_TIMEOUT_MS = 60_000;
/** What is kept of a hook's stderr, for the last line the refusal shows. */
const STDERR_TAIL = 4096;

export interface HookRun {
  helper: string;
  helperFlags: string[];
  spec: Buffer;
  argv: string[];
  env: Record<string, string>;
  session: string;
  audit: DaemonAudit;
}

export async function runPreRunHooks(plan: SandboxPlan, run: HookRun): Promise<void> {
  for (const hook of plan.preRun ?? []) {
    const ended = await runHook(hook.path, plan.cwd, run);
    const passed = ended.code === 0;
    const reason = passed ? undefined : describeEnd(ended);
    run.audit.record({
      kind: 'pack.hook',
      session: run.session,
      payload: { pack: hook.pack, hook: hook.path, result: passed ? 'passed' : 'refused', code: ended.code, ...(reason ? { reason } : {}) },
    });
    if (!passed) {
      throw new NonoError('PACK_HOOK_FAILED', `pack ${hook.pack}: pre-run hook ${hook.path} ${reason}; the command did not start`, { pack: hook.pack, hook: hook.path, code: ended.code });
    }
  }
}

interface HookEnd {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  stderr: string;
}

function describeEnd(end: HookEnd): string {
  const last = end.stderr.trimEnd().split('\n').at(-1)?.trim() ?? '';
  const how = end.timedOut ? `ran past ${HOOK_TIMEOUT_MS / 1000} s` : end.code === null ? `was killed by ${end.signal ?? 'a signal'}` : `exited ${end.code}`;
  return last ? `${how}: ${last}` : how;
}

function runHook(hook: string, cwd: string, run: HookRun): Promise<HookEnd> {
  return new Promise((resolve) => {
    const child = spawn(run.helper, [...run.helperFlags, '--spec-fd', '3', '--', hook, ...run.argv], {
      cwd,
      env: run.env,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const specPipe = child.stdio[3] as NodeJS.WritableStream;
    specPipe.on('error', () => undefined);
    specPipe.end(run.spec);
    let stderr = '';
    child.stderr!.on('data', (data: Buffer) => {
      stderr = (stderr + data.toString('utf8')).slice(-STDERR_TAIL);
    });
    let timedOut = false;
    const killGroup = groupSignaller(child.pid);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGKILL');
    }, HOOK_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, timedOut: false, stderr: `cannot start nono-helper: ${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? null : code, signal, timedOut, stderr });
    });
  });
}
