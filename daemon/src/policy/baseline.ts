// The minimal built-in policy until profiles arrive: what every sandbox may read, what it may
// write, and what no grant may ever cover. Kept as data so the policy engine can replace it.

export interface BaselineGroup {
  name: string;
  paths: string[];
}

/** Read and execute; missing paths are skipped. */
export const SYSTEM_READ: BaselineGroup = {
  name: 'system_read_linux',
  paths: [
    '/usr',
    '/bin',
    '/sbin',
    '/lib',
    '/lib32',
    '/lib64',
    '/libx32',
    '/opt',
    '/proc',
    '/sys/devices/system/cpu',
    '/etc/ssl',
    '/etc/ca-certificates',
    '/etc/pki',
    '/etc/alternatives',
    '/etc/ld.so.cache',
    '/etc/ld.so.conf',
    '/etc/ld.so.conf.d',
    '/etc/localtime',
    '/etc/timezone',
    '/etc/zoneinfo',
    '/etc/passwd',
    '/etc/group',
    '/etc/nsswitch.conf',
    '/etc/hosts',
    '/etc/host.conf',
    '/etc/resolv.conf',
    '/etc/gai.conf',
    '/etc/protocols',
    '/etc/services',
    '/etc/mime.types',
    '/etc/os-release',
    '/etc/lsb-release',
    '/etc/debian_version',
    '/etc/terminfo',
    '/etc/inputrc',
    '/etc/locale.alias',
    '/etc/locale.conf',
    '/etc/default/locale',
    '/etc/magic',
    '/etc/manpath.config',
    '/etc/gitconfig',
    '/etc/npmrc',
    '/etc/python3',
    '/etc/java-17-openjdk',
  ],
};

/** Read and write; devices also get ioctl. */
export const SYSTEM_WRITE: BaselineGroup = {
  name: 'system_write_linux',
  paths: ['/tmp', '/dev/null', '/dev/zero', '/dev/full', '/dev/tty', '/dev/random', '/dev/urandom'],
};

/** Relative to $HOME. No grant may cover these or reach inside them. */
export const DENY_GROUPS: BaselineGroup[] = [
  {
    name: 'deny_credentials',
    paths: [
      '.ssh',
      '.gnupg',
      '.aws',
      '.azure',
      '.config/gcloud',
      '.kube',
      '.docker',
      '.git-credentials',
      '.netrc',
      '.npmrc',
      '.pypirc',
      '.vault-token',
      '.password-store',
      '.config/gh/hosts.yml',
    ],
  },
  { name: 'deny_keychains_linux', paths: ['.local/share/keyrings', '.pki'] },
  {
    name: 'deny_shell_configs',
    paths: ['.bashrc', '.bash_profile', '.bash_login', '.bash_logout', '.profile', '.zshrc', '.zshenv', '.zprofile', '.zlogin', '.config/fish'],
  },
  {
    name: 'deny_shell_history',
    paths: [
      '.bash_history',
      '.zsh_history',
      '.history',
      '.local/share/fish/fish_history',
      '.python_history',
      '.node_repl_history',
      '.psql_history',
      '.mysql_history',
      '.lesshst',
    ],
  },
];
