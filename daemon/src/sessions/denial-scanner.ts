// Filesystem denials as the programs reported them. The kernel's own record of a Landlock
// denial (audit, ABI 7) is only readable with the audit subsystem on and privileges nono does
// not assume, so a session's output is scanned for the errors tools print; each candidate is
// then checked against the session's plan before it is recorded, so noise is not a denial.
export interface DenialCandidate {
  /** As printed: absolute, ~/, or relative to the session's cwd. */
  path: string;
  op: 'read' | 'write';
  /** Reported as missing: a denial only if the path exists outside the sandbox. */
  missing: boolean;
  /** A word with no slash ("cat" in "cat: x: Permission denied"): a path only if it exists on the host. */
  bare: boolean;
}

// In the view an ungranted path does not exist, so "No such file" is a candidate too; the
// recorder keeps it only if the path exists on the host.
const ERROR = /Permission denied|Read-only file system|Operation not permitted|No such file or directory/i;
// The longest of ERROR's phrases: a match that takes in new output starts at most this many characters before it.
const LONGEST_ERROR = 'No such file or directory'.length;
// Python and Node: "PermissionError: [Errno 13] Permission denied: '/x'", "EACCES: permission denied, open '/x'"
const QUOTED_FORM = /(?:Permission denied|Read-only file system|No such file or directory)(?:: |, \w+ )'([^']+)'/gi;
const WRITE_HINT = /cannot (?:create|remove|touch|make|move)|Read-only|read-only|EROFS|open.*(?:w|a)\b|mkdir|unlink|rename|write/i;
const MISSING = /No such file|no such file/;
// Colours, cursor moves and title strings a terminal session mixes into its lines.
const ESCAPES = /\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;

const MAX_LINE = 4096;

/**
 * Lines in, candidates out, each spelling once. Coreutils, shells and most C tools print
 * "prog: [context: ]path: error", where the path is the last word of a colon-separated field
 * before the error; a relative path is as good as an absolute one, resolved later against the
 * session's cwd.
 */
export class DenialScanner {
  private readonly seen = new Set<string>();
  private readonly partial = new Map<string, string>();
  /** Streams whose kept line was searched and names no error. */
  private readonly searched = new Set<string>();

  /** Takes a chunk of one stream's output and returns the candidates its complete lines name. */
  feed(stream: string, data: Buffer): DenialCandidate[] {
    const kept = this.partial.get(stream) ?? '';
    const added = data.toString('utf8');
    const text = kept + added;
    // Keys typed on one line come back one echo at a time: searching the whole line again for
    // each would cost the line's length per key, so only where the kept line meets the new text.
    const unsearched = this.searched.has(stream) ? kept.slice(1 - LONGEST_ERROR) + added : text;
    // Most output names no error: only its unfinished last line is kept, unsplit.
    if (!ERROR.test(unsearched)) {
      // The kept line holds no line end, so one is looked for in the new text only.
      const end = Math.max(added.lastIndexOf('\n'), added.lastIndexOf('\r'));
      this.partial.set(stream, (end < 0 ? text : added.slice(end + 1)).slice(-MAX_LINE));
      this.searched.add(stream);
      return [];
    }
    const lines = text.split(/\r?\n|\r/);
    this.partial.set(stream, lines.pop()!.slice(-MAX_LINE));
    this.searched.delete(stream);
    return lines.flatMap((line) => this.scanLine(line));
  }

  /** What the unterminated last lines name, once the output has ended. */
  finish(): DenialCandidate[] {
    const rest = [...this.partial.values()].flatMap((line) => this.scanLine(line));
    this.partial.clear();
    this.searched.clear();
    return rest;
  }

  private scanLine(raw: string): DenialCandidate[] {
    const error = ERROR.exec(raw);
    if (!error) return [];
    const line = raw.slice(-MAX_LINE).replace(ESCAPES, '');
    const found: DenialCandidate[] = [];
    const op = WRITE_HINT.test(line) ? 'write' : 'read';
    const missing = MISSING.test(line);
    const add = (path: string): void => {
      if (path === '' || this.seen.has(`${op} ${path}`)) return;
      this.seen.add(`${op} ${path}`);
      found.push({ path, op, missing, bare: !path.includes('/') && path !== '~' });
    };
    for (const match of line.matchAll(QUOTED_FORM)) add(match[1]!);
    const at = line.search(ERROR);
    for (const field of line.slice(0, at).split(/:\s/)) {
      const word = field.trim().split(/\s+/).pop() ?? '';
      add(word.replace(/^[`'"(]+|[`'"),]+$/g, ''));
    }
    return found;
  }
}
