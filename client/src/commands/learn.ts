// `nono learn -- CMD…`: trace a command and propose the grants it needs. The command runs here,
// in the process attached to the user's terminal, so Ctrl-C and the terminal behave as for any
// command; the daemon only compiles the profile whose grants are subtracted.
import { homedir } from 'node:os';
import { read } from 'read';
import { printLearnReport } from '../output/learn-report.js';
import { reportError } from '../output/report-error.js';
import { defineCommand, printJson, type CommandInput } from './define-command.js';

interface LearnFlags {
  profile?: string;
  all?: boolean;
  timeout?: number;
  rdns: boolean;
  yes?: boolean;
  verbose?: boolean;
}

async function confirmed(argv: string[]): Promise<boolean> {
  if (process.stdin.isTTY !== true || process.stderr.isTTY !== true) return true;
  const answer = await read({ prompt: `nono learn runs "${argv.join(' ')}" WITHOUT a sandbox, traced by strace. Continue? [y/N] `, output: process.stderr });
  return /^y(es)?$/i.test(answer.trim());
}

export const registerLearn = defineCommand({
  declare: (program) =>
    program
      .command('learn')
      .description('Run a command unsandboxed under strace and propose the grants it needs')
      .argument('<command...>', 'the command, after --')
      .option('-p, --profile <name>', 'show only what this profile lacks (default: default)')
      .option('--all', 'list system paths too, instead of counting them')
      .option('-v, --verbose', 'the same as --all: every path, system ones included (the Rust nono spelling)')
      .option('--timeout <seconds>', 'stop the command after this long; results are labelled partial', (v) => Number.parseFloat(v))
      .option('--no-rdns', 'make no DNS queries to name the hosts it connected to')
      .option('-y, --yes', 'do not ask before running the command unsandboxed'),
  json: 'print a profile fragment (for nono profile init --from-learn) with the full report under learned',
  before: async ({ args: [argv], options }: CommandInput<[string[]], LearnFlags>) => {
    if (options.timeout !== undefined && !(options.timeout > 0)) {
      reportError(new Error(`--timeout ${options.timeout} is not a positive number of seconds`), options.json === true);
      return 2;
    }
    if (!options.yes && !(await confirmed(argv))) {
      process.stderr.write('nono learn: not run\n');
      return 1;
    }
    return undefined;
  },
  work: async (client, { args: [argv], options }) => {
    const profile = options.profile ?? 'default';
    const env = process.env as Record<string, string>;
    // Loaded here, not at start-up: the tracer is as big as the rest of the CLI together.
    const { learn, learnOutput } = await import('@nono/learn');
    const { plan } = await client.call('policy.show', { cwd: process.cwd(), env, profile });
    const result = await learn(argv, {
      cwd: process.cwd(),
      env,
      existing: plan.rules,
      all: options.all === true || options.verbose === true,
      noRdns: !options.rdns,
      ...(env.NONO_STRACE ? { stracePath: env.NONO_STRACE } : {}),
      ...(options.timeout !== undefined ? { timeoutSeconds: options.timeout } : {}),
      // With --json stdout is the fragment, so the command's own output goes to stderr.
      onOutput: (stream, chunk) => (stream === 'stdout' && !options.json ? process.stdout : process.stderr).write(chunk),
    });
    const output = learnOutput(result, { home: env.HOME ?? homedir(), workdir: process.cwd() });
    if (options.json) {
      if (result.partial) process.stderr.write(`nono learn: partial (${result.reason ?? 'cut short'}): the fragment holds only what was seen until then\n`);
      printJson(output);
    } else printLearnReport(output, { profile });
    return 0;
  },
});
