// Reads a whole strace output, line by line, into the access ledger and the network
// collector: each call first updates the process table (forks, chdir, new fds), then says
// what it touched. Usable on a finished file or on chunks as they arrive.
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { AccessLedger } from './access-ledger.js';
import { classifyFileCall, classifyUnixBind } from './access-classifier.js';
import { NetworkCollector } from './network-summary.js';
import { cloneFlags, ProcessTable, type OpenFork } from './process-table.js';
import { annotatedPath, fdArg, TraceParser, type SyscallEvent } from './trace-parser.js';

export interface TraceAnalysis {
  ledger: AccessLedger;
  network: NetworkCollector;
  lines: number;
  events: number;
  processes: number;
}

export class TraceAnalyzer {
  readonly ledger = new AccessLedger();
  readonly network = new NetworkCollector();
  private readonly parser = new TraceParser();
  private readonly table: ProcessTable;
  private readonly openFork: OpenFork = () => this.parser.openFork();
  private readonly record = this.ledger.record.bind(this.ledger);
  private readonly pids = new Set<number>();
  private rest = '';
  private events = 0;

  /** rootCwd: where the traced command started. */
  constructor(rootCwd: string) {
    this.table = new ProcessTable(rootCwd);
  }

  /** Feeds text in any chunking; a line split across chunks waits for its end. */
  pushText(text: string): void {
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      const line = start === 0 && this.rest ? this.rest + text.slice(0, end) : text.slice(start, end);
      this.rest = '';
      this.pushLine(line);
      start = end + 1;
    }
    this.rest += text.slice(start);
  }

  pushLine(line: string): void {
    const event = this.parser.push(line);
    if (event) this.apply(event);
  }

  finish(): TraceAnalysis {
    if (this.rest) this.pushLine(this.rest);
    this.rest = '';
    return { ledger: this.ledger, network: this.network, lines: this.parser.lines, events: this.events, processes: this.pids.size };
  }

  private apply(event: SyscallEvent): void {
    this.events++;
    this.pids.add(event.pid);
    const state = this.table.state(event.pid, this.openFork);
    switch (event.name) {
      case 'clone':
      case 'clone3':
      case 'fork':
      case 'vfork':
        if (event.retval > 0) this.table.forked(state, event.retval, cloneFlags(event.args.join(', ')));
        return;
      case 'fchdir':
        if (event.errno === null) {
          const { fd, annotation } = fdArg(event.args[0]);
          const path = annotatedPath(annotation) ?? state.fds.get(fd);
          if (path) state.cwd.path = path;
        }
        return;
      case 'connect':
      case 'sendto':
      case 'sendmsg':
      case 'sendmmsg':
      case 'listen':
        this.network.observe(event, state);
        return;
      case 'bind':
        this.network.observe(event, state);
        classifyUnixBind(event, state, this.record);
        return;
    }
    const path = classifyFileCall(event, state, this.record);
    if (path === null || event.errno !== null) return;
    if (event.name === 'chdir') state.cwd.path = path;
    else if (event.retval >= 0 && (event.name === 'openat' || event.name === 'open' || event.name === 'openat2' || event.name === 'creat')) {
      state.fds.set(event.retval, annotatedPath(event.retAnnotation) ?? path);
    }
  }
}

/** Analyses a finished trace file, streaming it so a large trace never sits in memory whole. */
export async function analyzeTraceFile(file: string, rootCwd: string): Promise<TraceAnalysis> {
  const analyzer = new TraceAnalyzer(rootCwd);
  const decoder = new StringDecoder('utf8');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) analyzer.pushText(decoder.write(chunk as Buffer));
  analyzer.pushText(decoder.end());
  return analyzer.finish();
}
