// An allowed host the proxy could not reach, told apart from a policy refusal: a name that does
// not resolve or a port nobody listens on is not fixed by another --allow-domain, so reports
// must never suggest one for it.

/** What went wrong after the policy said yes. */
export type FailCause = 'dns' | 'refused' | 'timeout' | 'tls' | 'unreachable';

export interface ConnectFailure {
  allowed: false;
  failed: true;
  cause: FailCause;
  /** "does not resolve (ENOTFOUND)", "connection refused (ECONNREFUSED)", … */
  reason: string;
}

const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA', 'ENODATA', 'ESERVFAIL', 'ENONAME']);
const TLS = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_OSSL_)/;

const WORDS: Record<FailCause, string> = {
  dns: 'does not resolve',
  refused: 'refused the connection',
  timeout: 'timed out',
  tls: 'failed the TLS handshake',
  unreachable: 'is unreachable',
};

export function failureCause(code: string | undefined): FailCause {
  if (code && DNS.has(code)) return 'dns';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return 'timeout';
  if (code && TLS.test(code)) return 'tls';
  return 'unreachable';
}

export function connectFailure(target: string, error: unknown): ConnectFailure {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const cause = failureCause(code);
  return { allowed: false, failed: true, cause, reason: `${target} ${WORDS[cause]} (${code ?? 'error'})` };
}
