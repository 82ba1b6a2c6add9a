// `nono learn`: run a command under strace, outside any sandbox, and say which grants it
// needed: paths by access, collapsed to a few directories, minus what existing grants cover,
// plus where it connected and what it listened on.
import { homedir } from 'node:os';
import { delimiter, resolve } from 'node:path';
import { Touch } from './access-ledger.js';
import { nameHosts } from './host-names.js';
import type { ExistingGrant, LearnResult } from './learn-result.js';
import { proposeGrants } from './grant-proposal.js';
import { traceCommand, type TraceOptions } from './strace-runner.js';
import { analyzeTraceFile, type TraceAnalysis } from './trace-analysis.js';

export { learnOutput, type ExistingGrant, type LearnCounts, type LearnedPath, type LearnOutput, type LearnReport, type LearnResult, type ReportedGrant } from './learn-result.js';
export type { ListeningPort, NetworkObservations, OutboundConnection } from './network-summary.js';
export { analyzeTraceFile, TraceAnalyzer, type TraceAnalysis } from './trace-analysis.js';
export { parseSyscallLine, TraceParser, type SyscallEvent } from './trace-parser.js';
export { traceCommand, type TraceOptions, type TraceRun } from './strace-runner.js';

export interface LearnOptions extends TraceOptions {
  /** Grants that already apply (a compiled plan's rules): what they cover is counted, not listed. */
  existing?: ExistingGrant[] | undefined;
  /** List system paths too, instead of only counting them. */
  all?: boolean | undefined;
  /** Make no DNS queries of learn's own (reverse lookups, re-resolving the names the command asked for). */
  noRdns?: boolean | undefined;
  /** The user's home; by default env.HOME. Collapses never widen a grant to it. */
  home?: string | undefined;
}

/** Everything learn reports about a trace, given how the run went. */
async function summarizeTrace(
  analysis: TraceAnalysis,
  run: Pick<LearnResult, 'command' | 'cwd' | 'exitCode' | 'signal' | 'partial' | 'reason'>,
  options: Omit<LearnOptions, keyof TraceOptions> & { env: Record<string, string>; startedAt: number },
): Promise<LearnResult> {
  const proposal = proposeGrants(analysis.ledger, {
    home: options.home ?? options.env.HOME ?? homedir(),
    pathDirs: (options.env.PATH ?? '').split(delimiter).map((dir) => resolve(run.cwd, dir || '.')),
    existing: options.existing ?? [],
    all: options.all ?? false,
    startedAt: options.startedAt,
  });
  const network = analysis.network.summary();
  const granted = new Set((options.existing ?? []).map((rule) => rule.path));
  network.unixSockets = network.unixSockets.filter((socket) => !granted.has(socket));
  const hostsRead = ((analysis.ledger.paths.get('/etc/hosts') ?? 0) & Touch.READ) !== 0;
  await nameHosts(network.outbound, { hostsFile: hostsRead ? '/etc/hosts' : null, dnsNames: network.dnsNames, lookups: !options.noRdns, deadlineMs: 3000 });
  return {
    ...run,
    paths: proposal.paths,
    missing: proposal.missing,
    counts: { system: proposal.system, covered: proposal.covered, lines: analysis.lines, events: analysis.events, processes: analysis.processes },
    network,
  };
}

export async function learn(command: string[], options: LearnOptions): Promise<LearnResult> {
  const startedAt = Date.now();
  const run = await traceCommand(command, options);
  try {
    const analysis = await analyzeTraceFile(run.traceFile, options.cwd);
    const outcome = { command, cwd: options.cwd, exitCode: run.exitCode, signal: run.signal, partial: run.partial, reason: run.reason };
    return await summarizeTrace(analysis, outcome, { ...options, startedAt });
  } finally {
    run.discard();
  }
}
