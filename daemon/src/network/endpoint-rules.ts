// What an agent may call with a credential: "deny DELETE /**", "allow GET /v1/**", first match
// wins. With any allow rule, what no rule matches is denied; with deny rules only, it is allowed.
import picomatch from 'picomatch';

export interface EndpointRule {
  text: string;
  allow: boolean;
  method: string;
  matches: (path: string) => boolean;
}

export function compileEndpointRules(rules: string[]): EndpointRule[] {
  return rules.map((text) => {
    const [verb, method, pattern] = text.split(' ');
    return { text, allow: verb === 'allow', method: method!, matches: picomatch(pattern!, { dot: true }) };
  });
}

export function endpointVerdict(rules: EndpointRule[], method: string, url: string): { allowed: boolean; rule: string } {
  const path = url.split('?')[0]!;
  for (const rule of rules) {
    if ((rule.method === '*' || rule.method === method) && rule.matches(path)) return { allowed: rule.allow, rule: rule.text };
  }
  const anyAllow = rules.some((r) => r.allow);
  return { allowed: !anyAllow, rule: anyAllow ? 'no allow rule matches' : 'no rule' };
}
