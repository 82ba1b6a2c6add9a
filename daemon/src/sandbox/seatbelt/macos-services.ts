// The macOS system services a Seatbelt sandbox may reach, each with the reason it is needed.
// Threat: a mach service runs outside the sandbox with the user's (or root's) rights, so every
// lookup allowed here is a door out; this list is reviewed, and kept as short as agents allow.

/** When a service is allowed: always, with any network, with the full network, or on opt-in. */
export type ServiceCondition = 'always' | 'network' | 'open-network' | 'launch-services' | 'gpu';

export interface MachService {
  name: string;
  when: ServiceCondition;
  why: string;
}

export const MACH_SERVICES: MachService[] = [
  {
    name: 'com.apple.system.opendirectoryd.libinfo',
    when: 'always',
    why: 'getpwuid/getgrgid: user and group names (id, whoami, git, ssh, node os.userInfo)',
  },
  {
    name: 'com.apple.system.opendirectoryd.membership',
    when: 'always',
    why: 'group membership (getgrouplist, mbr_*), asked by libc and the Security framework',
  },
  {
    name: 'com.apple.system.notification_center',
    when: 'always',
    why: 'notify(3): libc learns of time zone and directory-cache changes through it',
  },
  {
    name: 'com.apple.logd',
    when: 'always',
    why: 'os_log: system libraries log through it; it only takes messages in',
  },
  {
    name: 'com.apple.bsd.dirhelper',
    when: 'always',
    why: "confstr(_CS_DARWIN_USER_TEMP_DIR): the user's own /var/folders dirs (clang, swift, Foundation)",
  },
  {
    name: 'com.apple.SecurityServer',
    when: 'network',
    why: 'securityd, for TLS trust (SecTrust) in curl, git and Go; keychain files stay denied (deny_keychains_macos)',
  },
  {
    name: 'com.apple.trustd.agent',
    when: 'network',
    why: 'certificate chain and revocation checks for TLS',
  },
  {
    name: 'com.apple.dnssd.service',
    when: 'open-network',
    why: 'DNS through mDNSResponder; proxied sandboxes leave name lookups to the proxy',
  },
  {
    name: 'com.apple.SystemConfiguration.DNSConfiguration',
    when: 'open-network',
    why: 'the resolver configuration getaddrinfo reads',
  },
  {
    name: 'com.apple.SystemConfiguration.configd',
    when: 'open-network',
    why: 'network reachability and proxy settings (SCDynamicStore)',
  },
  {
    name: 'com.apple.networkd',
    when: 'open-network',
    why: 'Network.framework connections (URLSession, Swift tools)',
  },
  {
    name: 'com.apple.coreservices.launchservicesd',
    when: 'launch-services',
    why: 'open(1) and LSOpen: starts apps OUTSIDE the sandbox, with all the user can do (allow_launch_services)',
  },
  {
    name: 'com.apple.lsd.mapdb',
    when: 'launch-services',
    why: 'the Launch Services database open(1) consults to pick an app (allow_launch_services)',
  },
  {
    name: 'com.apple.MTLCompilerService',
    when: 'gpu',
    why: 'compiles Metal shaders for GPU compute (allow_gpu)',
  },
];

/** IOKit user clients Metal compute opens (allow_gpu); the display server stays closed. */
export const GPU_IOKIT_CLASSES: { name: string; why: string }[] = [
  { name: 'AGXDeviceUserClient', why: 'the Apple GPU' },
  { name: 'IOGPUDeviceUserClient', why: 'GPUs through the IOGPU family' },
  { name: 'IOSurfaceRootUserClient', why: 'GPU-shared buffers' },
];

/**
 * Read-only kernel variables runtimes ask for at start; sysctl-write stays denied. A name
 * ending in "." is a prefix.
 */
export const SYSCTLS: { name: string; why: string }[] = [
  { name: 'hw.', why: 'hardware description: CPU count and features, memory size, page size (thread pools, SIMD choice)' },
  { name: 'machdep.cpu.', why: 'CPU brand and features' },
  { name: 'kern.ostype', why: 'uname(3)' },
  { name: 'kern.osrelease', why: 'uname(3)' },
  { name: 'kern.osversion', why: 'uname(3), sw_vers' },
  { name: 'kern.osproductversion', why: 'the macOS version runtimes check' },
  { name: 'kern.version', why: 'uname(3)' },
  { name: 'kern.hostname', why: 'gethostname(3)' },
  { name: 'kern.argmax', why: 'how long an exec argument list may be (xargs, shells)' },
  { name: 'kern.boottime', why: 'uptime (node os.uptime)' },
  { name: 'kern.maxfilesperproc', why: 'the fd limit runtimes size their pools by' },
  { name: 'kern.usrstack64', why: 'the stack base some runtimes read' },
  { name: 'kern.proc.pid.', why: 'a process\'s own status (ps -p, libproc); other processes of the user are visible this way too' },
  { name: 'sysctl.proc_cputype', why: 'whether the process runs under Rosetta' },
  { name: 'vm.loadavg', why: 'getloadavg(3)' },
];
