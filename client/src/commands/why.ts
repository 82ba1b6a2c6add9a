// `nono why PATH [--op read|write]` / `nono why --host H`: would the sandbox allow it, and
// which rule and group decide.
import { bold, dim, green, red } from '../output/style.js';
import { addPolicyFlags, policyRequest, processPlace, type PolicyFlags } from '@nono/shared/cli/policy-flags';
import { defineCommand, type CommandInput } from './define-command.js';

interface WhyOptions extends PolicyFlags {
  op?: 'read' | 'write';
  path?: string;
  host?: string;
  command?: string;
}

export const registerWhy = defineCommand({
  declare: (program) =>
    addPolicyFlags(
      program
        .command('why')
        .description('Explain whether the sandbox allows a path, a host or a command, and which rule decides')
        .argument('[path]', 'the path to check'),
    )
      .option('--path <path>', 'the path to check (the Rust nono spelling of the argument)')
      .option('--op <op>', 'read or write (default: read)')
      .option('--host <host>', 'check a network host instead of a path')
      .option('--command <name>', 'check whether a command may run (command blocking)'),
  method: 'policy.why',
  params: ({ args: [argument], options }: CommandInput<[string | undefined], WhyOptions>) => {
    const path = argument ?? options.path;
    return {
      ...policyRequest(options, processPlace()),
      ...(path !== undefined ? { path } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.command !== undefined ? { command: options.command } : {}),
      ...(options.op !== undefined ? { op: options.op } : {}),
    };
  },
  render: (verdict) => {
    const out = process.stdout;
    const status = verdict.status === 'ALLOWED' ? green(out, 'ALLOWED') : red(out, 'BLOCKED');
    out.write(`${status} ${bold(out, verdict.op)} ${verdict.target}\n  ${verdict.reason}\n`);
    if (verdict.group) out.write(`  ${dim(out, `group: ${verdict.group}`)}\n`);
    if (verdict.scope) out.write(`  ${dim(out, `scope: ${verdict.scope === 'launch' ? 'the launched command only' : 'every process in the sandbox'}`)}\n`);
    if (!verdict.enforced) out.write(`  ${dim(out, 'policy only: the sandbox does not enforce this here')}\n`);
  },
});
