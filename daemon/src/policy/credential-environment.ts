// Credential routes fed from the run's own environment. A key exported in the shell that runs
// nono is withheld from the sandbox; when it is the key of a route this run uses (asked for with
// --credential or network.credentials, or the API of its network profile), the daemon serves
// it instead: the sandbox gets a phantom and the key stays in nonod's memory, with no set-up.
// Threat: only the variable's name travels (as env://VAR in the plan); the value is read from
// the authenticated session.run request when the session's proxy starts, never stored.
import { NonoError, type SandboxPlan } from '@nono/shared';
import { didYouMean } from '@nono/shared/did-you-mean';
import { BUILTIN_ROUTES, parseCredentialRequest, routeNamed } from '../credentials/credential-routes.js';

export interface CredentialSource {
  variable: string;
  route: string;
}

export interface EnvironmentCredentials {
  /** The run's credential requests, "NAME" rewritten to "NAME=env://VAR" where the shell holds VAR. */
  credentials: string[];
  /** The variables whose values are routes' real keys this run; none may enter the sandbox. */
  sources: CredentialSource[];
}

export function credentialsFromEnvironment(
  requested: string[],
  /** Routes of the network profile's own API, served only when their key is in the shell. */
  offered: string[],
  customRoutes: SandboxPlan['hosts']['customRoutes'],
  withheld: ReadonlySet<string>,
): EnvironmentCredentials {
  // A custom route with a source of its own keeps it: the profile's author chose where the key lives.
  const keyVariable = (name: string): string | undefined => {
    const custom = customRoutes[name];
    return custom ? (custom.source === null ? custom.keyVariable : undefined) : routeNamed(name)?.keyVariable;
  };
  const sources: CredentialSource[] = [];
  const fromShell = (name: string): string | undefined => {
    const variable = keyVariable(name);
    if (variable === undefined || !withheld.has(variable)) return undefined;
    sources.push({ variable, route: name });
    return `${name}=env://${variable}`;
  };
  const credentials = requested.map((text) => {
    const { name, source } = parseCredentialRequest(text);
    // Checked here, where the plan is compiled, so `profile validate` refuses what `run` would.
    if (!customRoutes[name] && !routeNamed(name)) {
      const known = [...BUILTIN_ROUTES.map((r) => r.name), ...Object.keys(customRoutes)];
      throw new NonoError('CREDENTIAL_UNKNOWN', `unknown credential ${name}${didYouMean(name, known)}; known: ${known.join(', ')} (or define it in network.custom_credentials)`, {
        credential: name,
      });
    }
    if (source === undefined) return fromShell(name) ?? text;
    if (source.startsWith('env://')) sources.push({ variable: source.slice('env://'.length), route: name });
    return text;
  });
  const named = new Set(credentials.map((text) => parseCredentialRequest(text).name));
  for (const name of offered) {
    if (named.has(name)) continue;
    const request = fromShell(name);
    if (request !== undefined) credentials.push(request);
  }
  return { credentials, sources };
}
