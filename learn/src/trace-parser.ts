// Turns `strace -f -yy` output into syscall events, one line at a time and without regular
// expressions on the hot path: a busy build writes hundreds of thousands of lines, and learn
// must not take longer to read them than the command took to make them.

/** One completed system call. Arguments stay raw text; only the classifiers decode what they use. */
export interface SyscallEvent {
  pid: number;
  name: string;
  args: string[];
  /** The return value (NaN for "?"), its fd annotation (`3</a>` → "/a", still escaped) and errno. */
  retval: number;
  retAnnotation: string | null;
  errno: string | null;
}

const UNFINISHED = ' <unfinished ...>';
const RESUMED = ' resumed>';

/** The pid prefix strace -f writes ("123  " with -o, "[pid 123] " on a terminal), or -1. */
function readPid(line: string): { pid: number; next: number } {
  let i = 0;
  if (line.startsWith('[pid')) i = 4;
  while (line.charCodeAt(i) === 32) i++;
  let pid = 0;
  const start = i;
  for (let c = line.charCodeAt(i); c >= 48 && c <= 57; c = line.charCodeAt(++i)) pid = pid * 10 + (c - 48);
  if (i === start) return { pid: 0, next: 0 };
  if (line.charCodeAt(i) === 93) i++;
  while (line.charCodeAt(i) === 32) i++;
  return { pid, next: i };
}

/**
 * The index of the `>` closing the annotation that opens at `open`. In a path annotation every
 * literal `<` and `>` is escaped, so only nested ones (`/dev/null<char 1:3>`) count; in a socket
 * annotation `->` joins the two ends and closes nothing.
 */
function annotationEnd(text: string, open: number): number {
  const path = text.charCodeAt(open + 1) === 47;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 60) depth++;
    else if (c === 62 && (path || text.charCodeAt(i - 1) !== 45) && --depth === 0) return i;
  }
  return text.length;
}

/** Whether a `<` at `i` starts an annotation: it follows a value (fd number, AT_FDCWD, a path). */
function opensAnnotation(text: string, i: number): boolean {
  const c = text.charCodeAt(i - 1);
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 47;
}

/**
 * Splits the argument list that starts after `(` at `from` into `args`, at commas outside
 * quotes, brackets and fd annotations (`3</a,b>`). Returns the index of the closing
 * parenthesis, or -1 when the line ends first.
 */
function splitArgs(line: string, from: number, args: string[]): number {
  let depth = 0;
  let start = from;
  for (let i = from; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 34) {
      i = closingQuote(line, i + 1);
    } else if (c === 60) {
      if (opensAnnotation(line, i)) i = annotationEnd(line, i);
    } else if (c === 40 || c === 91 || c === 123) {
      depth++;
    } else if (c === 41 || c === 93 || c === 125) {
      if (depth > 0) depth--;
      else if (c === 41) {
        if (i > start) args.push(line.slice(start, i));
        return i;
      }
    } else if (c === 44 && depth === 0) {
      args.push(line.slice(start, i));
      start = i + 1;
      while (line.charCodeAt(start) === 32) start++;
    }
  }
  return -1;
}

/** Fills in retval, annotation and errno from the text after the closing parenthesis. */
function readResult(line: string, from: number, event: SyscallEvent): boolean {
  let i = line.indexOf('=', from);
  if (i < 0) return false;
  i++;
  while (line.charCodeAt(i) === 32) i++;
  let end = i;
  while (end < line.length && line.charCodeAt(end) !== 32 && line.charCodeAt(end) !== 60) end++;
  const value = line.slice(i, end);
  event.retval = value === '?' ? Number.NaN : Number(value);
  if (line.charCodeAt(end) === 60) event.retAnnotation = line.slice(end + 1, annotationEnd(line, end));
  else if (event.retval === -1 || value === '?') {
    let e = end + 1;
    while (e < line.length && line.charCodeAt(e) !== 32) e++;
    const errno = line.slice(end + 1, e);
    event.errno = errno.startsWith('E') ? errno : null;
  }
  return true;
}

function parseAt(line: string, pid: number, next: number): SyscallEvent | null {
  const open = line.indexOf('(', next);
  if (open <= next) return null;
  const first = line.charCodeAt(next);
  if (!(first >= 97 && first <= 122) && first !== 95) return null;
  const event: SyscallEvent = { pid, name: line.slice(next, open), args: [], retval: Number.NaN, retAnnotation: null, errno: null };
  const close = splitArgs(line, open + 1, event.args);
  if (close < 0 || !readResult(line, close + 1, event)) return null;
  return event;
}

/** Parses one complete line (no unfinished/resumed halves); null for anything not a call. */
export function parseSyscallLine(line: string): SyscallEvent | null {
  const { pid, next } = readPid(line);
  return parseAt(line, pid, next);
}

/**
 * Joins the halves strace writes when processes interleave (`openat(… <unfinished ...>` then
 * `<... openat resumed>) = 3`) and parses the whole. Remembers which calls are still open so the
 * process table can tell whose fork a newly seen pid came from.
 */
export class TraceParser {
  private readonly pending = new Map<number, string>();
  lines = 0;

  /** Returns the event the line completes, or null (a first half, a signal, an exit, noise). */
  push(line: string): SyscallEvent | null {
    this.lines++;
    const { pid, next } = readPid(line);
    if (line.endsWith(UNFINISHED)) {
      this.pending.delete(pid);
      this.pending.set(pid, line.slice(next, line.length - UNFINISHED.length));
      return null;
    }
    if (line.startsWith('<...', next)) {
      const marker = line.indexOf(RESUMED, next);
      const head = this.pending.get(pid);
      if (marker < 0 || head === undefined) return null;
      this.pending.delete(pid);
      return parseAt(head + line.slice(marker + RESUMED.length), pid, 0);
    }
    if (line.startsWith('+++', next)) this.pending.delete(pid);
    return parseAt(line, pid, next);
  }

  /** The most recent pid whose fork/clone call has started and not returned, with its text. */
  openFork(): { pid: number; text: string } | null {
    let found: { pid: number; text: string } | null = null;
    for (const [pid, text] of this.pending) {
      if (text.startsWith('clone') || text.startsWith('fork') || text.startsWith('vfork')) found = { pid, text };
    }
    return found;
  }
}

/** The bytes strace's C-style escapes stand for (\n, \", \\, \x1f, octal \0 … \377). */
function unescapeBytes(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 92) {
      if (c < 128) bytes.push(c);
      else bytes.push(...Buffer.from(text[i]!, 'utf8'));
      continue;
    }
    const e = text[++i];
    if (e === undefined) break;
    const simple = ESCAPES[e];
    if (simple !== undefined) {
      bytes.push(simple);
    } else if (e === 'x') {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e >= '0' && e <= '7') {
      let n = 0;
      let k = 0;
      for (; k < 3 && text[i + k]! >= '0' && text[i + k]! <= '7'; k++) n = n * 8 + (text.charCodeAt(i + k) - 48);
      bytes.push(n & 0xff);
      i += k - 1;
    } else {
      bytes.push(e.charCodeAt(0));
    }
  }
  return Buffer.from(bytes);
}

const ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, v: 11, f: 12, a: 7, b: 8, '"': 34, '\\': 92, "'": 39 };

function unescapeText(text: string): string {
  return text.includes('\\') ? unescapeBytes(text).toString('utf8') : text;
}

/** A quoted argument's value and whether strace cut it short (`"abc"...`); null if unquoted. */
export function quotedArg(arg: string | undefined): { value: string; truncated: boolean } | null {
  if (arg === undefined || arg.charCodeAt(0) !== 34) return null;
  const close = closingQuote(arg, 1);
  return { value: unescapeText(arg.slice(1, close)), truncated: arg.startsWith('...', close + 1) };
}

/** Every quoted string inside a structured argument (msg_iov buffers), as bytes. */
export function quotedBuffers(arg: string): Buffer[] {
  const found: Buffer[] = [];
  for (let i = arg.indexOf('"'); i >= 0; i = arg.indexOf('"', i + 1)) {
    const close = closingQuote(arg, i + 1);
    found.push(unescapeBytes(arg.slice(i + 1, close)));
    i = close;
  }
  return found;
}

/** The index of the quote closing a string that starts at `from` (text.length if none). */
function closingQuote(text: string, from: number): number {
  for (let quote = text.indexOf('"', from); quote >= 0; quote = text.indexOf('"', quote + 1)) {
    // Escaped when an odd number of backslashes precede it.
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return text.length;
}

/** An fd argument: its number (-100 for AT_FDCWD) and the path or socket text strace annotated. */
export function fdArg(arg: string | undefined): { fd: number; annotation: string | null } {
  if (arg === undefined) return { fd: Number.NaN, annotation: null };
  const open = arg.indexOf('<');
  const annotation = open > 0 ? arg.slice(open + 1, annotationEnd(arg, open)) : null;
  const head = open > 0 ? arg.slice(0, open) : arg;
  return { fd: head === 'AT_FDCWD' ? AT_FDCWD : Number(head), annotation };
}

export const AT_FDCWD = -100;

/** The path of a file annotation (`/dev/null<char 1:3>`, `/a (deleted)`), unescaped; null for sockets, pipes. */
export function annotatedPath(annotation: string | null): string | null {
  if (annotation === null || annotation.charCodeAt(0) !== 47) return null;
  let path = annotation;
  const nested = path.indexOf('<');
  if (nested >= 0) path = path.slice(0, nested);
  if (path.endsWith(' (deleted)')) path = path.slice(0, -10);
  return unescapeText(path);
}
