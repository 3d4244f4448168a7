// The platform's client of one operator node: an undici Pool (keep-alive
// connections, connect/headers/body timeouts, the endpoint's mTLS certificate),
// a signed short-lived service token and a circuit breaker. The answer is
// checked against the node's wire schema. Any failure surfaces as
// NodeUnavailableError, which the service turns into QUERY_FAILED; a 404 (not
// this node's subscriber) is an answer, not a failure.
// Behind a proxy that routes to shards by subscriberShard, one breaker per
// shard: a dead shard opens its own circuit, its neighbours' numbers still pass.
import { subscriberShard, type WindowDays } from '@itinerary-card/domain';
import { signServiceToken } from '@itinerary-card/domain/service-token';
import { type NodeItinerary, NodeItinerarySchema } from '@itinerary-card/domain/wire';
import { Compile } from 'typebox/compile';
import { Pool } from 'undici';
import type { NodeEndpoint } from '../config.ts';
import { type BreakerState, CircuitBreaker } from './circuit-breaker.ts';

/** Compiled once: a few property checks per answer (the node is Node.js, no CSP). */
const nodeAnswer = Compile(NodeItinerarySchema);

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
  private readonly pool: Pool;
  private token = '';
  private tokenExp = 0;

  constructor(
    readonly endpoint: NodeEndpoint,
    private readonly opts: NodeClientOptions,
  ) {
    const t = opts.timeoutMs;
    this.pool = new Pool(new URL(endpoint.url).origin, {
      // As many connections as the node:http agent this replaced allowed sockets.
      connections: 128,
      // Idle connections stay open for the next query (the node's Keep-Alive hint caps it).
      keepAliveTimeout: 30_000,
      // Each phase within the call's timeout: connect (and TLS), the headers, the gaps in the body.
      headersTimeout: t,
      bodyTimeout: t,
      connect: { timeout: t, ...(endpoint.tls ?? {}) },
    });
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
      const { statusCode, body } = await this.pool.request({
        path: `/internal/v1/itinerary/${msisdn}?days=${days}&date=${date}`,
        method: 'GET',
        headers: { authorization: this.bearer(), accept: 'application/json' },
      });
      if (statusCode === 200) {
        const answer: unknown = JSON.parse(await body.text());
        if (!nodeAnswer.Check(answer)) throw new NodeUnavailableError(this.endpoint.nodeId, 'malformed answer');
        breaker.success();
        return answer;
      }
      // The connection is reused only once the body is read.
      await body.dump();
      if (statusCode === 404) {
        breaker.success();
        return null;
      }
      throw new NodeUnavailableError(this.endpoint.nodeId, `status ${statusCode}`);
    } catch (e) {
      breaker.failure();
      if (e instanceof NodeUnavailableError) throw e;
      throw new NodeUnavailableError(this.endpoint.nodeId, (e as Error).message);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
