// nonod's end of nono-helper's file-approval channel (native-helper/README.md, "File
// approvals"): one JSON line per open the helper holds outside the grants, one answer line back,
// in any order. Threat: the path was read from the sandbox's memory by the helper; a line that is
// not exactly a request closes the channel, after which the helper refuses every open it would
// have asked about. A decision that throws is a denial.
import type { Duplex } from 'node:stream';

export interface FileOpenRequest {
  /** The helper's counter, echoed in the answer. */
  id: number;
  /** The calling thread, in the helper's pid namespace. */
  pid: number;
  /** Absolute host path with every symlink resolved: what the helper will open if allowed. */
  path: string;
  access: 'read' | 'write';
  /** open(2) flags as the thread passed them. */
  flags: number;
}

export interface FileOpenDecision {
  allow: boolean;
  /** Allowed for reading only: a write open is then refused by the helper. */
  readOnly: boolean;
}

/** Longest request line the helper can write: PATH_MAX bytes, each escaped at worst to 6. */
const MAX_LINE = 4096 * 6 + 256;

export function parseFileOpenRequest(line: string): FileOpenRequest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  const keys = Object.keys(r).sort().join(',');
  if (keys !== 'access,flags,id,path,pid') return undefined;
  if (!Number.isSafeInteger(r.id) || (r.id as number) < 1) return undefined;
  if (!Number.isSafeInteger(r.pid) || (r.pid as number) < 1) return undefined;
  if (!Number.isSafeInteger(r.flags)) return undefined;
  if (r.access !== 'read' && r.access !== 'write') return undefined;
  if (typeof r.path !== 'string' || !r.path.startsWith('/') || r.path.includes('\0')) return undefined;
  return { id: r.id as number, pid: r.pid as number, path: r.path, access: r.access, flags: r.flags as number };
}

/**
 * Answers every request on channel with decide's decision. Ends when the channel does; a
 * malformed or over-long line destroys it.
 */
export function serveFileApprovals(channel: Duplex, decide: (request: FileOpenRequest) => Promise<FileOpenDecision>): void {
  let pending = '';
  const answer = (id: number, decision: FileOpenDecision) => {
    if (!channel.destroyed) channel.write(`${JSON.stringify({ id, allow: decision.allow, readOnly: decision.readOnly })}\n`);
  };
  channel.on('error', () => channel.destroy());
  channel.setEncoding('utf8');
  channel.on('data', (chunk: string) => {
    pending += chunk;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const request = parseFileOpenRequest(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      if (!request) {
        channel.destroy();
        return;
      }
      decide(request).then(
        (decision) => answer(request.id, decision),
        () => answer(request.id, { allow: false, readOnly: false }),
      );
    }
    if (pending.length > MAX_LINE) channel.destroy();
  });
}
