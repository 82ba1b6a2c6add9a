// With file approvals a sandbox cannot take down, freeze or trace its supervisor, the unconfined
// helper that answers its opens: in the view the supervisor is outside the sandbox's pid
// namespace (the command's parent there is the sandbox's init); on Landlock alone it is the
// command's parent, out of reach through Landlock's ptrace rules and signal scoping. Each run
// then opens a file outside the grants, which the supervisor still asks about and, allowed,
// opens for it (a dead supervisor would leave ENOSYS, a frozen one no answer).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { usePrivateDaemon } from '../support/daemon-process.js';
import { PROBE_BIN, runCli } from '../support/run-cli.js';

describe.each([
  ['in the view', 'view', [] as string[]],
  ['on Landlock alone', 'landlock', ['--no-userns']],
])('the file-approval supervisor %s', (_name, mode, helperFlags) => {
  const ctx = usePrivateDaemon(helperFlags.length > 0 ? { daemon: { helperFlags } } : {});

  it('cannot be signalled or ptraced from inside, and still answers opens', async () => {
    const outside = join(ctx.world.root, 'outside.txt');
    writeFileSync(outside, 'outside\n');
    const plan = JSON.parse((await runCli(['run', '--ask', '--dry-run', '--json', '--', 'true'], ctx.world)).stdout);
    expect(plan.isolation.mode).toBe(mode);
    expect(plan.approvals.files).toBe(true);
    const attacks = ['kill $PPID 9', 'kill $PPID 19', 'ptrace-attach $PPID'].map((a) => `${PROBE_BIN} ${a}`);
    const script = `${attacks.join('; ')}; cat ${outside}; echo end`;
    const run = runCli(['run', '--ask', '--net-block', '--read', dirname(PROBE_BIN), '--', 'sh', '-c', script], ctx.world);
    // The open outside the grants is asked about (on pipes: answered from another shell) and,
    // allowed, injected by the supervisor the command just attacked.
    let pending: { id: string; subject: string; answer: string | null }[] = [];
    for (let i = 0; i < 200 && pending.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      pending = (JSON.parse((await runCli(['approvals', '--json'], ctx.world)).stdout) as typeof pending).filter((a) => a.subject === outside && a.answer === null);
    }
    expect(pending).toHaveLength(1);
    await runCli(['approve', pending[0]!.id, '--once'], ctx.world);
    const r = await run;
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 3).every((l) => l.startsWith('denied')), r.stdout).toBe(true);
    expect(lines.slice(3)).toEqual(['outside', 'end']);
    expect(r.code).toBe(0);
  }, 60_000);
});
