// Maps a sandbox plan to the Seatbelt profile (SBPL) the macOS helper applies: the same plan
// the Linux helper's spec comes from, so both platforms grant and deny the same paths.
// Threat: this text is the whole macOS sandbox. Seatbelt decides by the last rule that
// matches, so the protected paths are denied after every allow: a denied path stays denied
// inside any grant, which is how macOS does without the Linux view's masks.
import { dirname } from 'node:path';
import { NonoError, type PlanRule, type SandboxPlan } from '@nono/shared';
import { isWithin } from '@nono/shared/resolve-path';
import { GPU_IOKIT_CLASSES, MACH_SERVICES, SYSCTLS, type ServiceCondition } from './macos-services.js';
import { filter, noted, num, regex, renderProfile, str, sym, type ProfileLine, type Sexp } from './sbpl-writer.js';

export interface SeatbeltOptions {
  /** In proxied mode, the session proxy's TCP port on 127.0.0.1; required unless preview. */
  proxyPort?: number | undefined;
  /** The profile's allow_launch_services (the plan does not carry it). */
  allowLaunchServices?: boolean | undefined;
  /** The profile's allow_gpu (the plan does not carry it). */
  allowGpu?: boolean | undefined;
  /** The session terminal's device (/dev/ttysNNN), which its programs may reopen by name. */
  terminal?: string | undefined;
  /** For review (nono policy show --sbpl): no session exists, so no proxy port or terminal. */
  preview?: boolean | undefined;
}

const TTYS = '^/dev/ttys[0-9]+$';
const MDNS_SOCKET = '/private/var/run/mDNSResponder';

const blank: ProfileLine = { blank: true };
const comment = (text: string): ProfileLine => ({ comment: text });
const rule = (form: Sexp[], note?: string): ProfileLine => (note === undefined ? { form } : { form, note });
const allow = (ops: string[], ...filters: Sexp[]): Sexp[] => [sym('allow'), ...ops.map(sym), ...filters];
const deny = (ops: string[], ...filters: Sexp[]): Sexp[] => [sym('deny'), ...ops.map(sym), ...filters];

function absolute(path: string): string {
  if (!path.startsWith('/')) {
    throw new NonoError('PATH_INVALID', `${JSON.stringify(path)} cannot go into a Seatbelt profile: it is not an absolute path`, { path });
  }
  return path;
}

const subpath = (path: string): Sexp[] => filter('subpath', absolute(path));
const literal = (path: string): Sexp[] => filter('literal', absolute(path));
/** A directory covers what is below it; anything else is matched exactly. */
const pathFilter = (r: Pick<PlanRule, 'path' | 'kind'>): Sexp[] => (r.kind === 'dir' || r.kind === 'skeleton' ? subpath(r.path) : literal(r.path));

function header(plan: SandboxPlan, options: SeatbeltOptions): ProfileLine[] {
  return [
    comment(`nono Seatbelt profile for ${plan.profile}, generated from its sandbox plan; do not edit.`),
    comment('Seatbelt decides by the last matching rule, so each deny comes after the allows it narrows.'),
    ...(options.preview ? [comment('Preview: the session proxy port and terminal are filled in when a session starts.')] : []),
    rule([sym('version'), num(1)]),
    rule([sym('deny'), sym('default')]),
  ];
}

function processRules(): ProfileLine[] {
  return [
    comment('Processes: exec only what a read grant covers (below); signal and inspect only this sandbox.'),
    rule(allow(['process-fork'])),
    rule(allow(['signal'], [sym('target'), sym('same-sandbox')])),
    rule(allow(['process-info*'], [sym('target'), sym('same-sandbox')])),
  ];
}

function serviceRules(plan: SandboxPlan, options: SeatbeltOptions): ProfileLine[] {
  const wanted: Record<ServiceCondition, boolean> = {
    always: true,
    network: plan.network !== 'block',
    'open-network': plan.network === 'allow',
    'launch-services': options.allowLaunchServices === true,
    gpu: options.allowGpu === true,
  };
  const lines = [
    comment('System services: each mach service runs outside the sandbox, so only these (see docs/macos.md).'),
    ...MACH_SERVICES.filter((s) => wanted[s.when]).map((s) => rule(allow(['mach-lookup'], filter('global-name', s.name)), s.why)),
    rule(
      allow(['sysctl-read'], ...SYSCTLS.map((s) => noted(s.name.endsWith('.') ? filter('sysctl-name-prefix', s.name) : filter('sysctl-name', s.name), s.why))),
    ),
    rule(allow(['mach-host*']), "host_info and host_processor_info (node's os.cpus); setting host ports needs root's host port"),
    rule(allow(['ipc-posix-sem']), 'POSIX semaphores (Python multiprocessing locks)'),
    rule(allow(['system-socket'], [sym('socket-domain'), sym('AF_UNIX')]), 'socketpair and unix sockets; connecting by path is granted below'),
  ];
  if (options.allowGpu) {
    lines.push(rule(allow(['iokit-open'], ...GPU_IOKIT_CLASSES.map((c) => noted(filter('iokit-user-client-class', c.name), c.why))), 'allow_gpu'));
  }
  return lines;
}

/**
 * After the file grants, as the /dev grant would otherwise reach every terminal of the user.
 * Seatbelt checks each read and write, not only the open, so the session's own terminal needs
 * its rule even though the sandbox inherits it open.
 */
function terminalRules(plan: SandboxPlan, options: SeatbeltOptions): ProfileLine[] {
  const ttys = (): Sexp[] => [sym('regex'), regex(TTYS)];
  const granted = plan.rules.filter((r) => new RegExp(TTYS).test(r.path));
  return [
    comment("Terminals: the session's own and ptys opened inside the sandbox; none of the user's other terminals."),
    rule(deny(['file-read*', 'file-write*'], ttys())),
    ...granted.map((r) => rule(allow(grantOps(r), pathFilter(r)), r.source)),
    ...(options.terminal !== undefined ? [rule(allow(['file-read*', 'file-write*'], literal(options.terminal)), "the session's terminal")] : []),
    rule(allow(['file-read*', 'file-write*'], [sym('require-all'), ttys(), filter('extension', 'com.apple.sandbox.pty')]), 'ptys made inside the sandbox'),
    rule(allow(['file-ioctl'], ttys()), 'only on ttys open already: opening one needs a rule above'),
    rule(allow(['pseudo-tty'])),
    rule(allow(['file-read*', 'file-write*', 'file-ioctl'], literal('/dev/ptmx'))),
  ];
}

function grantOps(r: PlanRule): string[] {
  const read = r.access !== 'write';
  const write = r.access !== 'read';
  return [
    ...(read ? ['file-read*', 'process-exec'] : ['file-read-metadata']),
    ...(write ? ['file-write*'] : []),
    ...(r.kind === 'device' ? ['file-ioctl'] : []),
  ];
}

/** Directories above the grants, which realpath and module lookups stat on their way down. */
function ancestors(rules: PlanRule[]): string[] {
  const readable = rules.filter((r) => r.access !== 'write' && (r.kind === 'dir' || r.kind === 'skeleton'));
  const found = new Set<string>();
  for (const r of rules) {
    for (let dir = dirname(r.path); !found.has(dir); dir = dirname(dir)) {
      found.add(dir);
      if (dir === '/') break;
    }
  }
  return [...found].filter((dir) => !readable.some((r) => isWithin(dir, r.path))).sort();
}

function fileGrants(plan: SandboxPlan): ProfileLine[] {
  const files = plan.rules.filter((r) => r.kind !== 'socket');
  const sockets = plan.rules.filter((r) => r.kind === 'socket');
  const above = ancestors(plan.rules);
  return [
    comment('Files: a directory by subpath (itself and all below it), anything else by literal.'),
    comment("Reading brings exec, as Landlock's execute comes with read; writing brings stat."),
    ...files.map((r) => rule(allow(grantOps(r), pathFilter(r)), r.source)),
    ...(above.length > 0 ? [rule(allow(['file-read-metadata'], ...above.map((dir) => literal(dir))), 'stat only, no listing: the directories above the grants')] : []),
    ...(sockets.length > 0 ? [comment('Unix sockets: only the granted ones, even inside a writable grant.')] : []),
    ...sockets.flatMap((r) => [
      rule(allow(['network-outbound'], [sym('remote'), sym('unix-socket'), filter('path-literal', absolute(r.path))]), r.source),
      rule(allow(['file-read-metadata'], literal(r.path)), r.source),
    ]),
  ];
}

function networkRules(plan: SandboxPlan, options: SeatbeltOptions): ProfileLine[] {
  if (plan.network === 'block') return [comment('Network: blocked. No rule lets an IP socket connect, bind or accept.')];
  if (plan.network === 'allow') {
    return [
      comment('Network: open (the profile asks for no host filtering).'),
      rule(allow(['network-outbound'], [sym('remote'), sym('ip'), str('*:*')])),
      rule(allow(['network-inbound'], [sym('local'), sym('ip'), str('*:*')])),
      rule(allow(['network-bind'], [sym('local'), sym('ip'), str('*:*')])),
      rule(allow(['network-outbound'], [sym('remote'), sym('unix-socket'), filter('path-literal', MDNS_SOCKET)]), 'DNS through mDNSResponder'),
      rule(allow(['system-socket']), 'interface and route queries (AF_ROUTE, AF_SYSTEM)'),
    ];
  }
  const lines = [comment("Network: only the session's filtering proxy on localhost; Seatbelt filters by port, not by host name.")];
  if (options.proxyPort === undefined) {
    if (!options.preview) throw new Error('a proxied plan needs its proxy port');
    return [...lines, comment('A session allows (remote tcp "localhost:PORT") for the port its proxy gets when it starts.')];
  }
  if (!Number.isInteger(options.proxyPort) || options.proxyPort < 1 || options.proxyPort > 65535) throw new Error(`not a TCP port: ${options.proxyPort}`);
  return [...lines, rule(allow(['network-outbound'], [sym('remote'), sym('tcp'), str(`localhost:${options.proxyPort}`)]))];
}

/** The first of each path ($XDG_CONFIG_HOME/gh and ~/.config/gh are often one path). */
function unique<T extends { path: string }>(entries: T[]): T[] {
  return entries.filter((entry, i) => entries.findIndex((e) => e.path === entry.path) === i);
}

function denies(plan: SandboxPlan): ProfileLine[] {
  const noDelete = plan.rules.filter((r) => r.noDelete === true);
  const lines = [
    comment('Protected paths, after every allow so they win inside any grant.'),
    ...unique(plan.denied).map((d) => rule(deny(['file-read*', 'file-write*', 'process-exec'], subpath(d.path)), d.source)),
  ];
  if (plan.readonly.length > 0) {
    lines.push(comment('Files inside writable grants that run on the host later: readable, never writable.'));
    lines.push(...plan.readonly.map((r) => rule(deny(['file-write*'], subpath(r.path)), r.source)));
  }
  if (noDelete.length > 0) {
    lines.push(comment('Write without delete: no unlink or rename-away. macOS has no separate truncate right,'));
    lines.push(comment('so files here can still be truncated or overwritten.'));
    lines.push(...noDelete.map((r) => rule(deny(['file-write-unlink'], pathFilter(r)), r.source)));
  }
  if (plan.blockedCommands.length > 0) {
    lines.push(comment('Blocked commands: not run, and not read either, so no copy of one can run in its place.'));
    lines.push(...plan.blockedCommands.map((c) => rule(deny(['process-exec', 'file-read-data'], literal(c.path)), c.source)));
  }
  return lines;
}

export function seatbeltProfile(plan: SandboxPlan, options: SeatbeltOptions = {}): string {
  return renderProfile([
    ...header(plan, options),
    blank,
    ...processRules(),
    blank,
    ...serviceRules(plan, options),
    blank,
    ...fileGrants(plan),
    blank,
    ...terminalRules(plan, options),
    blank,
    ...networkRules(plan, options),
    blank,
    ...denies(plan),
  ]);
}
