// Expands the variables profiles and groups may use in paths ($HOME, ~, $WORKDIR, $TMPDIR,
// $UID, $XDG_*), with the XDG defaults the spec gives when a variable is unset.
import { join } from 'node:path';

export interface PolicyContext {
  home: string;
  workdir: string;
  tmpdir: string;
  uid: number;
  env: Record<string, string | undefined>;
}

function xdg(ctx: PolicyContext, name: string, fallback: string): string {
  const value = ctx.env[name];
  return value && value.startsWith('/') ? value : join(ctx.home, fallback);
}

export function variableValue(ctx: PolicyContext, name: string): string | undefined {
  switch (name) {
    case 'HOME':
      return ctx.home;
    case 'WORKDIR':
      return ctx.workdir;
    case 'TMPDIR':
      return ctx.tmpdir;
    case 'UID':
      return String(ctx.uid);
    case 'XDG_CONFIG_HOME':
      return xdg(ctx, name, '.config');
    case 'XDG_DATA_HOME':
      return xdg(ctx, name, '.local/share');
    case 'XDG_CACHE_HOME':
      return xdg(ctx, name, '.cache');
    case 'XDG_STATE_HOME':
      return xdg(ctx, name, '.local/state');
    case 'XDG_RUNTIME_DIR':
      return ctx.env.XDG_RUNTIME_DIR?.startsWith('/') ? ctx.env.XDG_RUNTIME_DIR : undefined;
    default:
      return undefined;
  }
}

/** The path with its variables expanded, or a string saying which variable is unknown. */
export function expandPath(raw: string, ctx: PolicyContext): string | { unknown: string } {
  let path = raw === '~' ? ctx.home : raw.startsWith('~/') ? join(ctx.home, raw.slice(2)) : raw;
  for (;;) {
    const match = /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/.exec(path);
    if (!match) return path;
    const value = variableValue(ctx, match[1]!);
    if (value === undefined) return { unknown: match[1]! };
    path = path.slice(0, match.index) + value + path.slice(match.index + match[0].length);
  }
}
