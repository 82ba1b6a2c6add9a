// The daemon's end of the helper's file-approval channel (`--approvals-fd N`, a socketpair): the
// helper's supervising process writes one JSON line per open outside the grants, this asks the
// broker and writes one JSON line back per request, in whatever order the answers come (a
// multi-threaded program has many opens waiting at once). A question whose asker exits is withdrawn.
// Threat: the lines are written by a process that supervises the sandbox but reads paths from
// its memory; anything malformed is denied (when it names an id) or dropped, never allowed, and
// the id is echoed digit for digit (a u64 does not fit a JSON number's exact range).
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { ApprovalDecision, ApprovalRequest } from './approval-broker.js';
import { watchAsker } from './asker-watch.js';

/** A path is at most PATH_MAX; a line past this is not a request. */
const MAX_LINE = 8192;

export interface FileRequest {
  path: string;
  access: 'read' | 'write';
  pid: number;
  flags: number;
}

type Ask = (request: Extract<ApprovalRequest, { kind: 'file' }>, withdrawn: AbortSignal) => Promise<ApprovalDecision>;

/** Serves the channel until the stream ends; returns a function that stops it. `hostPids`: the helper's pids are this daemon's (Landlock alone). */
export function serveFileApprovals(stream: Duplex, session: string, ask: Ask, log: Logger, hostPids = true): () => void {
  let buffered = '';
  let closed = false;
  const reply = (id: string, allow: boolean, readOnly: boolean): void => {
    if (!closed && !stream.destroyed) stream.write(`{"id":${id},"allow":${allow},"readOnly":${readOnly}}\n`);
  };
  const handle = (line: string): void => {
    const id = /^\{\s*"id"\s*:\s*(\d{1,20})\s*[,}]/.exec(line)?.[1];
    const request = id === undefined ? undefined : parseRequest(line);
    if (id === undefined || request === undefined) {
      log.warn({ line: line.slice(0, 200) }, 'malformed file-approval request from the helper; denied');
      if (id !== undefined) reply(id, false, false);
      return;
    }
    const asker = watchAsker(request.pid, hostPids);
    ask({ session, kind: 'file', path: request.path, access: request.access, pid: request.pid, ...commandOf(request.pid) }, asker.signal).finally(asker.stop).then(
      (decision) => {
        const allow = decision.answer !== 'deny';
        reply(id, allow, allow && request.access === 'write' && decision.readOnly === true);
      },
      (error: unknown) => {
        log.warn({ error: String(error) }, 'file approval failed; denied');
        reply(id, false, false);
      },
    );
  };
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      handle(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
    if (buffered.length > MAX_LINE) {
      log.warn('file-approval line too long; channel closed, further opens outside the grants fail');
      stream.destroy();
    }
  });
  stream.on('error', () => undefined);
  return () => {
    closed = true;
    stream.destroy();
  };
}

/** The request fields, checked; undefined for anything that is not exactly a request. */
export function parseRequest(line: string): FileRequest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const { path, access, pid, flags } = value as Record<string, unknown>;
  if (typeof path !== 'string' || !path.startsWith('/') || path.includes('\0')) return undefined;
  if (access !== 'read' && access !== 'write') return undefined;
  if (!Number.isSafeInteger(pid) || (pid as number) <= 0) return undefined;
  if (!Number.isSafeInteger(flags)) return undefined;
  return { path, access, pid: pid as number, flags: flags as number };
}

/** The program's name, for the prompt; best effort (it may have exited). */
function commandOf(pid: number): { command?: string } {
  try {
    return { command: readFileSync(`/proc/${pid}/comm`, 'utf8').trim() };
  } catch {
    return {};
  }
}
