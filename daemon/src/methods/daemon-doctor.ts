// daemon.doctor: the kernel features the sandbox stands on, each with what it means for the
// user and, when missing, what to change. Read from the helper's probe, never guessed.
import { LANDLOCK_ONLY_GAPS } from '../policy/compile-plan.js';
import type { MethodHandler } from './method-handler.js';

export const daemonDoctor: MethodHandler<'daemon.doctor'> = async (_params, ctx) => {
  const features = await ctx.services.features();
  const abi = features.landlock.abi;
  const userns = features.userns === true;
  const seccomp = features.seccomp === true;
  const { source } = ctx.services.audit.signing;
  return {
    isolation: ctx.services.policy.isolation.view ? 'view' : 'landlock',
    checks: [
      {
        name: 'landlock',
        ok: abi >= 1,
        value: abi >= 1 ? `ABI ${abi}` : 'absent',
        meaning:
          abi >= 6
            ? 'files, TCP ports, signals and abstract sockets are confined by the kernel'
            : abi >= 1
              ? `files are confined; ABI 6 or newer (kernel 6.12+) also scopes signals and abstract sockets, ${abi < 4 ? 'and ABI 4 adds TCP port rules' : 'which this kernel lacks'}`
              : 'nono will not run anything: enable CONFIG_SECURITY_LANDLOCK and add landlock to the lsm= boot parameter',
      },
      {
        name: 'user namespaces',
        ok: userns,
        value: userns ? 'available' : (features.userns_error ?? 'unavailable'),
        meaning: userns
          ? 'the private filesystem view works: deny inside allow, host sockets hidden, nono state invisible, /proc shows only the sandbox'
          : `Landlock alone, so ${LANDLOCK_ONLY_GAPS.join('; ')}. Allow them with sysctl kernel.unprivileged_userns_clone=1 or, on Ubuntu, kernel.apparmor_restrict_unprivileged_userns=0`,
      },
      {
        name: 'seccomp',
        ok: seccomp,
        value: seccomp ? 'available' : 'unavailable',
        meaning: seccomp
          ? 'dangerous system calls (io_uring, bpf, keyrings, mount, namespaces, TIOCSTI) are refused, and --net-block also refuses UDP and raw sockets'
          : 'nono cannot refuse dangerous system calls; enable CONFIG_SECCOMP_FILTER',
      },
      {
        name: 'audit signing',
        ok: source !== undefined,
        value: source === undefined ? 'unsigned' : source.kind === 'keychain' ? `keychain entry ${source.entry}` : `key file ${source.path}`,
        meaning:
          source === undefined
            ? 'audit checkpoints are not signed, so rows cut off the end of the log cannot be detected; the daemon log says why the key file could not be used'
            : source.kind === 'keychain'
              ? 'audit checkpoints are signed with a key in the OS keychain, so cutting rows off the end of the log is detected'
              : 'no keychain answered, so audit checkpoints are signed with this key file (mode 0600, in the state dir no sandbox can see); cutting rows off the end of the log is detected',
      },
    ],
  };
};
