// Operator node configuration: its variables as one schema, read once from the
// environment and validated; a bad value stops start-up naming the variable.
import { readFileSync } from 'node:fs';
import { OPERATORS, type Operator } from '@itinerary-card/domain';
import { configError, Env, type EnvSource, readEnv } from '@itinerary-card/ops';
import { Type } from 'typebox';

export interface TlsConfig {
  cert: string;
  key: string;
  /** CA bundle for client certificates: set it to require mTLS. */
  ca?: string;
}

export interface OperatorNodeConfig {
  operator: Operator;
  /** The audience of service tokens (e.g. `cmcc-1`). */
  nodeId: string;
  host: string;
  port: number;
  /** Shared HMAC secret of service tokens. */
  serviceSecret: string;
  /** Snapshot directory (the pipeline's data dir). */
  dataDir?: string;
  /** The key of the pseudonyms in the snapshots (NODE_PSEUDONYM_KEY, required). */
  pseudonymKey: string;
  tls?: TlsConfig;
}

/** The node's variables (docs/deployment.md, "Operator node"): read here and nowhere else. */
export const OPERATOR_NODE_ENV = Type.Object({
  NODE_OPERATOR: Env.oneOf(OPERATORS, { description: 'The operator whose data this node serves.' }),
  NODE_ID: Env.string({
    description: 'Audience of the service tokens it accepts (default: the operator).',
    default: '',
  }),
  NODE_HOST: Env.string({ description: 'Listen address.', default: '127.0.0.1' }),
  NODE_PORT: Env.port(4100, { description: 'Listen port.' }),
  NODE_SERVICE_SECRET: Env.secret(16, {
    description: 'Shared HMAC secret of service tokens (the same as PLATFORM_SERVICE_SECRET).',
  }),
  NODE_DATA_DIR: Env.optional(
    Env.string({ description: "The pipeline's data directory, where snapshots are published." }),
  ),
  // Without its key a node would load snapshots it cannot look anyone up in.
  NODE_PSEUDONYM_KEY: Env.secret(16, {
    description: "The key of the pseudonyms in the snapshots (the pipeline's key).",
  }),
  NODE_TLS_CERT: Env.optional(Env.string({ description: 'Serve HTTPS: certificate file.' })),
  NODE_TLS_KEY: Env.optional(Env.string({ description: 'Serve HTTPS: key file.' })),
  NODE_TLS_CA: Env.optional(
    Env.string({ description: 'Require client certificates signed by this CA (mTLS): CA file.' }),
  ),
});

export function readOperatorNodeConfig(env: EnvSource = process.env): OperatorNodeConfig {
  const v = readEnv(OPERATOR_NODE_ENV, env);
  const cfg: OperatorNodeConfig = {
    operator: v.NODE_OPERATOR,
    nodeId: v.NODE_ID || v.NODE_OPERATOR,
    host: v.NODE_HOST,
    port: v.NODE_PORT,
    serviceSecret: v.NODE_SERVICE_SECRET,
    pseudonymKey: v.NODE_PSEUDONYM_KEY,
  };
  if (v.NODE_DATA_DIR) cfg.dataDir = v.NODE_DATA_DIR;
  if (v.NODE_TLS_CERT || v.NODE_TLS_KEY) {
    if (!v.NODE_TLS_CERT) configError('NODE_TLS_CERT', 'required with NODE_TLS_KEY');
    if (!v.NODE_TLS_KEY) configError('NODE_TLS_KEY', 'required with NODE_TLS_CERT');
    cfg.tls = { cert: readPem('NODE_TLS_CERT', v.NODE_TLS_CERT), key: readPem('NODE_TLS_KEY', v.NODE_TLS_KEY) };
    if (v.NODE_TLS_CA) cfg.tls.ca = readPem('NODE_TLS_CA', v.NODE_TLS_CA);
  }
  return cfg;
}

function readPem(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    return configError(variable, `cannot read ${path}: ${(e as Error).message}`);
  }
}
