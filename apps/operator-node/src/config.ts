// Operator node configuration: read once from the environment, validated; a
// bad value stops start-up naming the variable.
import { readFileSync } from 'node:fs';
import { AppError, isOperator, type Operator } from '@itinerary-card/domain';

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

function fail(variable: string, why: string): never {
  throw new AppError('CONFIG_INVALID', { variable }, { cause: new Error(`${variable}: ${why}`) });
}

export function readOperatorNodeConfig(env: NodeJS.ProcessEnv = process.env): OperatorNodeConfig {
  const operator = env.NODE_OPERATOR ?? '';
  if (!isOperator(operator)) fail('NODE_OPERATOR', 'must be cmcc, cucc or ctcc');
  const port = Number(env.NODE_PORT ?? '4100');
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail('NODE_PORT', 'must be a port number');
  const serviceSecret = env.NODE_SERVICE_SECRET ?? '';
  if (serviceSecret.length < 16) fail('NODE_SERVICE_SECRET', 'must be at least 16 characters');
  // Without its key a node would load snapshots it cannot look anyone up in.
  const pseudonymKey = env.NODE_PSEUDONYM_KEY ?? '';
  if (pseudonymKey.length < 16) fail('NODE_PSEUDONYM_KEY', "required, at least 16 characters (the pipeline's key)");
  const cfg: OperatorNodeConfig = {
    operator,
    nodeId: env.NODE_ID || operator,
    host: env.NODE_HOST || '127.0.0.1',
    port,
    serviceSecret,
    pseudonymKey,
  };
  if (env.NODE_DATA_DIR) cfg.dataDir = env.NODE_DATA_DIR;
  if (env.NODE_TLS_CERT || env.NODE_TLS_KEY) {
    if (!env.NODE_TLS_CERT) fail('NODE_TLS_CERT', 'required with NODE_TLS_KEY');
    if (!env.NODE_TLS_KEY) fail('NODE_TLS_KEY', 'required with NODE_TLS_CERT');
    const read = (variable: string, path: string) => {
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        return fail(variable, `cannot read ${path}: ${(e as Error).message}`);
      }
    };
    cfg.tls = { cert: read('NODE_TLS_CERT', env.NODE_TLS_CERT), key: read('NODE_TLS_KEY', env.NODE_TLS_KEY) };
    if (env.NODE_TLS_CA) cfg.tls.ca = read('NODE_TLS_CA', env.NODE_TLS_CA);
  }
  return cfg;
}
