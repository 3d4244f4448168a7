// Environment variables as TypeBox schemas: each app's config module declares
// one object schema (names, bounds, defaults, descriptions) and reads it here,
// the only reader; `.env.example` is generated from the same schemas.
import { isIP } from 'node:net';
import { AppError } from '@itinerary-card/domain';
import { type Static, type TObject, type TSchema, Type } from 'typebox';
import { Value } from 'typebox/value';

/** The one environment a config module reads: `process.env` or a test's object. */
export type EnvSource = Record<string, string | undefined>;

/**
 * The boolean spelling of every variable: `true` / `false`, or `1` / `0`
 * (`on` / `off` are kept for `PLATFORM_REQUEST_LOG=off`, documented before).
 */
const BOOLEANS: Record<string, boolean> = { true: true, '1': true, on: true, false: false, '0': false, off: false };

/** Stops start-up: CONFIG_INVALID naming the variable, with `VARIABLE: why` as its cause. */
export function configError(variable: string, why: string): never {
  throw new AppError('CONFIG_INVALID', { variable }, { cause: new Error(`${variable}: ${why}`) });
}

/** The text of a configuration error: `VARIABLE: why`. */
export function configErrorText(e: AppError): string {
  const cause = (e as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : `${String(e.details.variable ?? '')}: ${e.message}`;
}

type Described = {
  description: string;
};

/** Builders of the variable kinds; each keeps its bounds in the schema, where `why` and `.env.example` read them. */
export const Env = {
  /** A TCP port, 0-65535 (0: any free port). */
  port: (dflt: number, o: Described) => Type.Integer({ minimum: 0, maximum: 65535, default: dflt, ...o }),
  /** A whole number within bounds. */
  int: (o: Described & { minimum: number; maximum: number; default: number }) => Type.Integer(o),
  bool: (dflt: boolean, o: Described) => Type.Boolean({ default: dflt, ...o }),
  /** Free text; `default` makes it optional. */
  string: (
    o: Described & {
      default?: string;
      minLength?: number;
      maxLength?: number;
      pattern?: string;
      why?: string;
      /** An empty value means empty, not the default (SMPP_COUNTRY_CODE=''). */
      keepEmpty?: boolean;
    },
  ) => Type.String(o),
  /** A secret of at least `minLength` characters. */
  secret: (minLength: number, o: Described) => Type.String({ minLength, ...o }),
  /** One of a few words; required without a default. */
  oneOf: <const V extends string[]>(values: readonly [...V], o: Described & { default?: V[number] }) =>
    Type.Enum(values, o),
  /** A URL of one of `schemes` with a host, e.g. `postgres://…`. */
  url: (schemes: string[], o: Described & { default?: string }) =>
    Type.String({ ...o, schemes, why: `must be a ${schemes.join(' or ')}:// URL with a host` }),
  optional: <T extends TSchema>(t: T) => Type.Optional(t),
};

interface Annotations {
  type?: string;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  enum?: unknown[];
  why?: string;
  schemes?: string[];
  keepEmpty?: boolean;
}

/** Why a value was refused, said from the schema's own bounds. */
function why(schema: TSchema): string {
  const s = schema as Annotations;
  if (s.why) return s.why;
  if (s.enum) return `must be ${s.enum.slice(0, -1).join(', ')} or ${s.enum.at(-1)}`;
  if (s.type === 'integer') return `must be an integer from ${s.minimum} to ${s.maximum}`;
  if (s.type === 'boolean') return 'must be true or false (or 1 or 0)';
  if (s.minLength !== undefined && s.maxLength !== undefined)
    return `must be ${s.minLength} to ${s.maxLength} characters`;
  if (s.minLength !== undefined) return `must be at least ${s.minLength} characters`;
  if (s.maxLength !== undefined) return `must be at most ${s.maxLength} characters`;
  if (s.pattern !== undefined) return `must match ${s.pattern}`;
  return 'is not valid';
}

function isUrlOf(raw: string, schemes: string[]): boolean {
  try {
    const u = new URL(raw);
    return schemes.includes(u.protocol.slice(0, -1)) && u.hostname !== '';
  } catch {
    return false;
  }
}

/** One variable's raw text → its typed value, or undefined when the text does not fit the type. */
function convert(schema: Annotations, raw: string): unknown {
  if (schema.type === 'integer') return /^-?\d+$/.test(raw) ? Number(raw) : undefined;
  if (schema.type === 'boolean') return BOOLEANS[raw];
  if (schema.schemes && !isUrlOf(raw, schema.schemes)) return undefined;
  return raw;
}

/**
 * Reads the variables of `schema` from `env`: an unset or empty variable takes
 * its default (or stays undefined when optional); a set one is converted and
 * checked against its bounds. The first variable that does not fit stops
 * start-up with CONFIG_INVALID naming it.
 */
export function readEnv<T extends TObject>(schema: T, env: EnvSource): Static<T> {
  const out: Record<string, unknown> = {};
  const required = new Set(schema.required ?? []);
  for (const [name, prop] of Object.entries(schema.properties) as Array<[string, TSchema & Annotations]>) {
    const raw = env[name];
    if (raw === undefined || (raw === '' && !prop.keepEmpty)) {
      if (prop.default !== undefined) out[name] = prop.default;
      else if (required.has(name)) configError(name, prop.minLength ? `is required and ${why(prop)}` : 'is required');
      continue;
    }
    const value = convert(prop, raw);
    if (value === undefined || !Value.Check(prop, value)) configError(name, why(prop));
    out[name] = value;
  }
  return out as Static<T>;
}

export interface EnvSection {
  title: string;
  schema: TObject;
}

/**
 * `.env.example` from the schemas: each variable with its description and
 * bounds; required ones are left empty to fill in, the rest commented out at
 * their defaults.
 */
export function envExample(sections: EnvSection[], header: string[]): string {
  const lines = header.map((l) => `# ${l}`.trimEnd());
  const seen = new Set<string>();
  for (const { title, schema } of sections) {
    lines.push('', `# ---- ${title} ----`);
    const required = new Set(schema.required ?? []);
    for (const [name, prop] of Object.entries(schema.properties) as Array<[string, TSchema & Annotations]>) {
      if (seen.has(name)) {
        lines.push(`# ${name}: as above`);
        continue;
      }
      seen.add(name);
      const facts = [prop.description ?? ''];
      if (prop.type === 'integer') facts.push(`(${prop.minimum}-${prop.maximum})`);
      else if (prop.enum) facts.push(`(${prop.enum.join(' | ')})`);
      else if (prop.type === 'boolean') facts.push('(true | false)');
      else if (prop.minLength && prop.minLength > 1) facts.push(`(at least ${prop.minLength} characters)`);
      if (required.has(name) && prop.default === undefined) facts.push('Required.');
      lines.push(`# ${facts.filter(Boolean).join(' ')}`);
      if (required.has(name) && prop.default === undefined) lines.push(`${name}=`);
      else lines.push(`# ${name}=${prop.default ?? ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** pino's levels, for *_LOG_LEVEL. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/**
 * SERVE_DRAIN_MS (platform and health-code system): on SIGTERM the process
 * first closes its listening socket and keeps answering on the connections it
 * has for this long, so the load balancer's health checks take it out first.
 */
export const SERVE_DRAIN_MS = Env.int({
  description:
    "On SIGTERM, keep serving open connections this long after closing the port (above the balancer's checks).",
  minimum: 0,
  maximum: 5000,
  default: 0,
});

/**
 * *_TRUST_PROXY: empty or `false` (the connecting address is the client),
 * `true` (any proxy), a hop count, or comma-separated proxy addresses / CIDRs.
 */
export function trustProxyFrom(raw: string, variable: string): boolean | number | string {
  const v = raw.trim();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  const items = v.split(',').map((x) => x.trim());
  const ok = (x: string) => {
    const [addr, bits, extra] = x.split('/');
    if (extra !== undefined || !addr || isIP(addr) === 0) return false;
    return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (isIP(addr) === 4 ? 32 : 128));
  };
  if (!items.every(ok)) configError(variable, 'true, false, a hop count, or proxy addresses/CIDRs separated by commas');
  return items.join(',');
}
