// The strace line parser on canned output: split calls, quoting, truncation, -yy annotations,
// and the analyzer's process table on traces where only the pid order says who forked whom.
import { describe, expect, it } from 'vitest';
import { Touch } from '../../src/access-ledger.js';
import { TraceAnalyzer, TraceParser, parseSyscallLine } from '../../src/index.js';
import { annotatedPath, fdArg, quotedArg } from '../../src/trace-parser.js';

function analyze(lines: string[], cwd = '/w') {
  const analyzer = new TraceAnalyzer(cwd);
  analyzer.pushText(`${lines.join('\n')}\n`);
  return analyzer.finish();
}

describe('parseSyscallLine', () => {
  it('reads pid, name, arguments, result and fd annotations', () => {
    const event = parseSyscallLine('3906  openat(AT_FDCWD</var/tmp/p>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache>');
    expect(event).toEqual({
      pid: 3906,
      name: 'openat',
      args: ['AT_FDCWD</var/tmp/p>', '"/etc/ld.so.cache"', 'O_RDONLY|O_CLOEXEC'],
      retval: 3,
      retAnnotation: '/etc/ld.so.cache',
      errno: null,
    });
    expect(fdArg(event!.args[0])).toEqual({ fd: -100, annotation: '/var/tmp/p' });
  });

  it('reads errno of a failed call and ignores what is not a call', () => {
    expect(parseSyscallLine('12 newfstatat(AT_FDCWD, "/nope", 0x7ffd, 0) = -1 ENOENT (No such file or directory)')).toMatchObject({ retval: -1, errno: 'ENOENT' });
    expect(parseSyscallLine('12 +++ exited with 0 +++')).toBeNull();
    expect(parseSyscallLine('12 --- SIGCHLD {si_signo=SIGCHLD} ---')).toBeNull();
    expect(parseSyscallLine('12 openat(AT_FDCWD, "/cut')).toBeNull();
  });

  it('keeps commas and parentheses inside quotes, structs and annotations in one argument', () => {
    const event = parseSyscallLine('7 openat(5</dir/a,b (x)>, "f,\\"g)\\"", O_RDONLY) = 6</dir/a,b (x)/f,"g)">');
    expect(event!.args).toEqual(['5</dir/a,b (x)>', '"f,\\"g)\\""', 'O_RDONLY']);
    expect(quotedArg(event!.args[1])).toEqual({ value: 'f,"g)"', truncated: false });
    expect(annotatedPath(fdArg(event!.args[0]).annotation)).toBe('/dir/a,b (x)');
  });

  it('decodes escapes: \\n, \\", \\\\, hex, octal UTF-8, and escaped < > in annotations', () => {
    expect(quotedArg('"a\\"b\\nc\\303\\251.txt"')!.value).toBe('a"b\nc\u00e9.txt');
    expect(quotedArg('"\\x41\\x42\\\\"')!.value).toBe('AB\\');
    expect(annotatedPath('/w/x\\76y\\74z')).toBe('/w/x>y<z');
    expect(annotatedPath('/dev/null<char 1:3>')).toBe('/dev/null');
    expect(annotatedPath('/w/gone (deleted)')).toBe('/w/gone');
  });

  it('marks strings strace cut short', () => {
    const event = parseSyscallLine('9 sendto(3<UDP:[1.2.3.4:5->8.8.8.8:53]>, "abcdef"..., 4096, MSG_NOSIGNAL, NULL, 0) = 4096');
    expect(quotedArg(event!.args[1])).toEqual({ value: 'abcdef', truncated: true });
  });

  it('reads socket annotations whose arrow is not the end of the annotation', () => {
    const event = parseSyscallLine('5 connect(3<TCP:[127.0.0.1:5000->127.0.0.1:8080]>, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, 16) = 0');
    expect(event!.args).toHaveLength(3);
    expect(fdArg(event!.args[0])).toEqual({ fd: 3, annotation: 'TCP:[127.0.0.1:5000->127.0.0.1:8080]' });
    expect(parseSyscallLine('5 listen(4<TCPv6:[[::1]:8080]>, 511) = 0')!.args[0]).toBe('4<TCPv6:[[::1]:8080]>');
  });
});

describe('TraceParser', () => {
  it('joins unfinished and resumed halves across interleaved pids', () => {
    const parser = new TraceParser();
    expect(parser.push('3906  newfstatat(AT_FDCWD</p/sub>, "/usr/local/sbin/wc",  <unfinished ...>')).toBeNull();
    expect(parser.push('3907  execve("/usr/bin/cat", ["cat", "rel.txt"], 0x55 /* 35 vars */ <unfinished ...>')).toBeNull();
    expect(parser.push('3906  <... newfstatat resumed>0x7fffa63e7090, 0) = -1 ENOENT (No such file or directory)')).toMatchObject({
      pid: 3906,
      name: 'newfstatat',
      args: ['AT_FDCWD</p/sub>', '"/usr/local/sbin/wc"', '0x7fffa63e7090', '0'],
      errno: 'ENOENT',
    });
    expect(parser.push('3907  <... execve resumed>)             = 0')).toMatchObject({ pid: 3907, name: 'execve', retval: 0, args: ['"/usr/bin/cat"', '["cat", "rel.txt"]', '0x55 /* 35 vars */'] });
    expect(parser.push('3908  <... openat resumed>) = 3')).toBeNull();
  });

  it('knows which fork is still open', () => {
    const parser = new TraceParser();
    parser.push('10 vfork( <unfinished ...>');
    expect(parser.openFork()).toEqual({ pid: 10, text: 'vfork(' });
  });
});

describe('TraceAnalyzer', () => {
  it('resolves dirfds and relative paths from the fd table and cwd when strace did not annotate them', () => {
    const { ledger } = analyze([
      '100 openat(AT_FDCWD, "/w/dir", O_RDONLY|O_DIRECTORY) = 3',
      '100 openat(3, "file.txt", O_RDONLY) = 4',
      '100 chdir("sub") = 0',
      '100 openat(AT_FDCWD, "../up.txt", O_WRONLY|O_TRUNC) = 5',
      '100 newfstatat(4, "", {st_mode=S_IFREG|0644, ...}, AT_EMPTY_PATH) = 0',
    ]);
    expect(Object.fromEntries(ledger.paths)).toEqual({
      '/w/dir': Touch.LIST,
      '/w/dir/file.txt': Touch.READ,
      '/w/sub': Touch.META,
      '/w/up.txt': Touch.WRITE,
    });
  });

  it('gives a child its parent cwd even when the child speaks before fork returns', () => {
    const { ledger, processes } = analyze([
      '1 chdir("/w/a") = 0',
      '1 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD <unfinished ...>',
      '2 openat(AT_FDCWD, "early.txt", O_RDONLY) = 3',
      '1 <... clone resumed>, child_tidptr=0x7f) = 2',
      '1 chdir("/w/b") = 0',
      '2 openat(AT_FDCWD, "late.txt", O_RDONLY) = 3',
      '1 fork() = 3',
      '3 unlink("gone.txt") = 0',
    ]);
    expect([...ledger.paths.keys()]).toEqual(['/w/a', '/w/a/early.txt', '/w/b', '/w/a/late.txt', '/w/b/gone.txt']);
    expect(ledger.paths.get('/w/b/gone.txt')).toBe(Touch.ENTRY);
    expect(processes).toBe(3);
  });

  it('shares the cwd with a thread made with CLONE_FS', () => {
    const { ledger } = analyze([
      '1 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_THREAD, exit_signal=0} => {parent_tid=[2]}, 88) = 2',
      '2 chdir("/w/t") = 0',
      '1 openat(AT_FDCWD, "x", O_RDONLY) = 3',
    ]);
    expect(ledger.paths.has('/w/t/x')).toBe(true);
  });

  it('takes chunks split anywhere, even inside a line', () => {
    const analyzer = new TraceAnalyzer('/w');
    const text = '1 openat(AT_FDCWD, "a", O_RDONLY) = 3\n1 openat(AT_FDCWD, "b", O_RDONLY) = 3\n';
    for (const char of text) analyzer.pushText(char);
    expect([...analyzer.finish().ledger.paths.keys()]).toEqual(['/w/a', '/w/b']);
  });
});
