// Filesystem denials as the programs reported them. The kernel's own record of a Landlock
// denial (audit, ABI 7) is only readable with the audit subsystem on and privileges nono does
// not assume, so the run's output is scanned for the errors tools print; each candidate is then
// checked against the policy (policy.why) before it is reported, so noise is not shown as a denial.
export interface DenialCandidate {
  path: string;
  op: 'read' | 'write';
  /** Reported as missing: a denial only if the path exists outside the sandbox. */
  missing: boolean;
}

// In the view an ungranted path does not exist, so "No such file" is a candidate too; the
// footer keeps it only if the path exists on the host.
const ERRORS = 'Permission denied|Read-only file system|Operation not permitted|No such file or directory';
// "cat: /x: Permission denied", "sh: 1: cannot create /x: Read-only file system"
const COLON_FORM = new RegExp(`(?:^|[\\s'"\`(])((?:/|~/|\\./|\\.\\./)[^\\s:'"\`]*)['"\`]?: (?:.*?)?(${ERRORS})`, 'g');
// Python and Node: "PermissionError: [Errno 13] Permission denied: '/x'", "EACCES: permission denied, open '/x'"
const QUOTED_FORM = /(?:Permission denied|permission denied, \w+|Read-only file system|read-only file system, \w+|No such file or directory|no such file or directory, \w+): '([^']+)'/g;
const WRITE_HINT = /cannot (?:create|remove|touch|make|move)|Read-only|read-only|EROFS|open.*(?:w|a)\b|mkdir|unlink|rename|write/i;

const MAX_CANDIDATES = 20;
const MAX_SCANNED = 4 << 20;

export class DenialScanner {
  private readonly found = new Map<string, DenialCandidate>();
  private partial = '';
  private scanned = 0;

  /** Takes output as it arrives on the wire; past the first few MiB it is not even decoded. */
  feedBase64(data: string): void {
    if (this.scanned > MAX_SCANNED || this.found.size >= MAX_CANDIDATES) return;
    const chunk = Buffer.from(data, 'base64');
    this.scanned += chunk.length;
    const lines = (this.partial + chunk.toString('utf8')).split(/\r?\n/);
    this.partial = lines.pop()!.slice(-4096);
    for (const line of lines) this.scanLine(line);
  }

  candidates(): DenialCandidate[] {
    if (this.partial) this.scanLine(this.partial);
    this.partial = '';
    return [...this.found.values()];
  }

  private scanLine(line: string): void {
    if (!/denied|Read-only|read-only|not permitted|No such file|no such file/.test(line)) return;
    for (const pattern of [COLON_FORM, QUOTED_FORM]) {
      for (const match of line.matchAll(pattern)) {
        const path = match[1]!;
        if (this.found.size >= MAX_CANDIDATES || this.found.has(path)) continue;
        this.found.set(path, { path, op: WRITE_HINT.test(line) ? 'write' : 'read', missing: /No such file|no such file/.test(line) });
      }
    }
  }
}
