// The platform's client of one operator node: keep-alive HTTP(S), a signed
// short-lived service token, a per-call timeout and a circuit breaker. Any
// failure surfaces as NodeUnavailableError, which the service turns into
// QUERY_FAILED; a 404 (not this node's subscriber) is an answer, not a failure.
// Behind a proxy that routes to shards by subscriberShard, one breaker per
// shard: a dead shard opens its own circuit, its neighbours' numbers still pass.
import http from 'node:http';
import https from 'node:https';
import { type NodeItinerary, subscriberShard, type WindowDays } from '@itinerary-card/domain';
import { signServiceToken } from '@itinerary-card/domain/service-token';
import type { NodeEndpoint } from '../config.ts';
import { type BreakerState, CircuitBreaker } from './circuit-breaker.ts';

export class NodeUnavailableError extends Error {
  constructor(
    readonly nodeId: string,
    readonly reason: string,
  ) {
    super(`operator node ${nodeId} unavailable: ${reason}`);
    this.name = 'NodeUnavailableError';
  }
}

export interface NodeClientOptions {
  serviceSecret: string;
  timeoutMs: number;
  breakerFailures: number;
  breakerOpenMs: number;
  /** Issuer of the service tokens. */
  issuer?: string;
  now: () => number;
}

const TOKEN_TTL_MS = 5 * 60_000;

export class NodeClient {
  /** One per shard behind the endpoint (one without shards). */
  readonly breakers: CircuitBreaker[];
  private readonly agent: http.Agent;
  private readonly mod: typeof http | typeof https;
  private readonly base: URL;
  private token = '';
  private tokenExp = 0;

  constructor(
    readonly endpoint: NodeEndpoint,
    private readonly opts: NodeClientOptions,
  ) {
    this.base = new URL(endpoint.url);
    const secure = this.base.protocol === 'https:';
    this.mod = secure ? https : http;
    this.agent = secure
      ? new https.Agent({ keepAlive: true, maxSockets: 128, ...(endpoint.tls ?? {}) })
      : new http.Agent({ keepAlive: true, maxSockets: 128 });
    this.breakers = Array.from(
      { length: endpoint.shards ?? 1 },
      () => new CircuitBreaker(opts.now, opts.breakerFailures, opts.breakerOpenMs),
    );
  }

  /**
   * The node's circuit as a whole: closed while any shard's is closed (the
   * node still answers some numbers), open when every shard's is open.
   */
  get breaker(): { current(): BreakerState } {
    if (this.breakers.length === 1) return this.breakers[0]!;
    const states = this.breakers.map((b) => b.current());
    const state: BreakerState = states.includes('closed')
      ? 'closed'
      : states.includes('half-open')
        ? 'half-open'
        : 'open';
    return { current: () => state };
  }

  private bearer(): string {
    const now = this.opts.now();
    // Re-sign a minute before expiry so a token never expires in flight.
    if (now > this.tokenExp - 60_000) {
      this.tokenExp = now + TOKEN_TTL_MS;
      this.token = signServiceToken(
        { iss: this.opts.issuer ?? 'platform', aud: this.endpoint.nodeId, exp: this.tokenExp },
        this.opts.serviceSecret,
      );
    }
    return `Bearer ${this.token}`;
  }

  /** The node's answer, or null when the number is not its subscriber. */
  async itinerary(msisdn: string, days: WindowDays, date: string): Promise<NodeItinerary | null> {
    const breaker = this.breakers[subscriberShard(msisdn, this.breakers.length)]!;
    if (!breaker.allow()) throw new NodeUnavailableError(this.endpoint.nodeId, 'circuit open');
    try {
      const { status, body } = await this.get(`/internal/v1/itinerary/${msisdn}?days=${days}&date=${date}`);
      if (status === 200) {
        breaker.success();
        return JSON.parse(body) as NodeItinerary;
      }
      if (status === 404) {
        breaker.success();
        return null;
      }
      throw new NodeUnavailableError(this.endpoint.nodeId, `status ${status}`);
    } catch (e) {
      breaker.failure();
      if (e instanceof NodeUnavailableError) throw e;
      throw new NodeUnavailableError(this.endpoint.nodeId, (e as Error).message);
    }
  }

  private get(path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = this.mod.request(
        {
          agent: this.agent,
          protocol: this.base.protocol,
          hostname: this.base.hostname,
          port: this.base.port,
          path,
          method: 'GET',
          headers: { authorization: this.bearer(), accept: 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', (e) => {
            clearTimeout(timer);
            reject(e);
          });
        },
      );
      const timer = setTimeout(
        () => req.destroy(new Error(`timeout after ${this.opts.timeoutMs} ms`)),
        this.opts.timeoutMs,
      );
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
