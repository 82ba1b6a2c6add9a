// The trust-policy.json format as one JSON Schema (TypeBox), checked with ajv. Unknown keys are
// errors: a misspelt "enforcment" must not silently leave a policy at its default.
import { Type, type Static } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';

export const ENFORCEMENTS = ['audit', 'warn', 'deny'] as const;
export type Enforcement = (typeof ENFORCEMENTS)[number];

const Sha256Hex = Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'SHA-256, 64 hex digits' });
const strict = { additionalProperties: false } as const;

export const TrustPolicySchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    version: Type.Optional(Type.Literal(1)),
    include: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 100, description: 'Globs, relative to the workdir, of instruction files' })),
    publishers: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1 }),
            public_key: Type.Optional(Type.String({ minLength: 1, description: 'SPKI public key, PEM or base64 DER' })),
            fingerprint: Type.Optional(Type.String({ ...Sha256Hex, description: 'SHA-256 of the SPKI DER' })),
          },
          strict,
        ),
        { maxItems: 1000 },
      ),
    ),
    blocklist: Type.Optional(Type.Array(Type.Object({ sha256: Sha256Hex, reason: Type.Optional(Type.String()) }, strict), { maxItems: 10_000 })),
    enforcement: Type.Optional(Type.Unsafe<Enforcement>({ type: 'string', enum: [...ENFORCEMENTS] })),
  },
  strict,
);
export type TrustPolicyDocument = Static<typeof TrustPolicySchema>;

const validate = new Ajv({ allErrors: true, strict: false }).compile(TrustPolicySchema);

export interface SchemaProblem {
  /** JSON path segments, for locating the line. */
  path: (string | number)[];
  /** Dotted key for the message, e.g. publishers[0].fingerprint. */
  key: string;
  message: string;
}

export function policyKey(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(top level)';
}

function describe(error: ErrorObject): SchemaProblem {
  const path = error.instancePath.split('/').slice(1).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty: string }).additionalProperty);
    return { path: [...path, extra], key: policyKey([...path, extra]), message: 'is not a trust policy key; remove it or check its spelling' };
  }
  if (error.keyword === 'enum') {
    return { path, key: policyKey(path), message: `must be one of ${(error.params as { allowedValues: string[] }).allowedValues.join(', ')}` };
  }
  if (error.keyword === 'const') return { path, key: policyKey(path), message: `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}` };
  if (error.keyword === 'type') {
    const type = (error.params as { type: string }).type;
    return { path, key: policyKey(path), message: path.length === 0 ? 'must be a JSON object; wrap the keys in { }' : `must be ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}` };
  }
  if (error.keyword === 'pattern') return { path, key: policyKey(path), message: 'must be a SHA-256 in 64 hex digits' };
  return { path, key: policyKey(path), message: error.message ?? 'is invalid' };
}

/** The first problem with the document, or undefined when it matches the schema. */
export function firstSchemaProblem(document: unknown): SchemaProblem | undefined {
  if (validate(document)) return undefined;
  return describe(validate.errors![0]!);
}
