// Steady load for the topology fault test: itinerary queries of logged-in
// owners and venue check-ins of registered health-code holders, sent at fixed
// rates through HAProxy, every outcome recorded with its time. Each owner's
// answer before the faults is the reference: any other answer later is a
// failure, but for QUERY_FAILED of the killed shard's numbers while it is down.
import { type Operator, subscriberShard } from '@itinerary-card/domain';
import type { Topology } from '../src/topology/topology.ts';

export interface Fault {
  name: string;
  at: number;
  /** When the faulty process answered again. */
  readyAt: number;
  /** For the killed shard: when its numbers were answered again. */
  downUntil?: number;
}

interface Outcome {
  kind: 'itinerary' | 'checkin';
  user: number;
  at: number;
  /** When the answer (or the error) came. */
  end: number;
  /** HTTP status, 0 when no answer came (connection error or timeout). */
  status: number;
  code: string;
}

interface ItineraryUser {
  msisdn: string;
  token: string;
  /** Its answer before any fault: `status code`. */
  expected: string;
  onKilledShard: boolean;
}

/** Generous: the shared 2-core machine stalls for seconds at times; a stall is not the fault under test. */
const TIMEOUT_MS = 30_000;

function idNumber(region: string, birth: string, seq: string): string {
  const first = region + birth.replaceAll('-', '') + seq;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(first[i]) * w[i]!;
  return first + '10X98765432'[s % 11];
}

async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; code: string; body: Record<string, unknown> }> {
  try {
    const r = await fetch(url, {
      method: init.method ?? 'GET',
      headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
      body: init.body ? JSON.stringify(init.body) : undefined,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await r.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { text: text.slice(0, 200) };
    }
    const code = ((body.error as { code?: string } | undefined)?.code ?? (r.ok ? 'ok' : 'no-code')) as string;
    return { status: r.status, code, body };
  } catch (e) {
    const cause = (e as Error & { cause?: { code?: string; message?: string } }).cause;
    const code = (e as Error).name === 'TimeoutError' ? 'timeout' : `connection ${cause?.code ?? cause?.message ?? ''}`;
    return { status: 0, code, body: {} };
  }
}

export class LoadRecorder {
  itineraryUsers: ItineraryUser[] = [];
  checkinUsers: string[] = [];
  private venueCode = '';
  private outcomes: Outcome[] = [];
  /** Reference answers that were 200 (acknowledged reads before the load). */
  private referenceOk = 0;
  /** Acknowledged reads (200) by number, reference answers included. */
  readonly acknowledged = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<void>>();

  constructor(private readonly t: Topology) {}

  /** Logs owners in (codes from a replica's own outbox), registers holders and a venue, records the reference answers. */
  async prepare(o: { itineraryUsers: number; checkinUsers: number; shards: number; killed: [Operator, number] }) {
    const rows = this.t.subscribersCsv
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','))
      .filter((f) => f[4] === 'normal');
    const [killedOp, killedShard] = o.killed;
    const onKilled = (f: string[]) => f[1] === killedOp && subscriberShard(f[0]!, o.shards) === killedShard;
    // A third of the owners on the shard that will be killed, the rest anywhere else.
    const picked = [
      ...rows.filter(onKilled).slice(0, Math.ceil(o.itineraryUsers / 3)),
      ...rows.filter((f) => !onKilled(f)).slice(0, o.itineraryUsers - Math.ceil(o.itineraryUsers / 3)),
    ];
    const direct = this.t.direct['platform-1']!;
    const front = this.t.urls.platform;
    for (const f of picked) {
      const phone = f[0]!;
      await call(`${direct}/api/v1/sms-code`, { method: 'POST', body: { phone } });
      const box = await fetch(`${direct}/dev/outbox?phone=${phone}`).then(
        (r) => r.json() as Promise<Array<{ text: string }>>,
      );
      const code = /验证码为(\d{6})/.exec(box.at(-1)!.text)![1];
      const login = await call(`${front}/api/v1/login`, { method: 'POST', body: { phone, code } });
      if (login.status !== 200) throw new Error(`login of a test owner failed: ${login.status} ${login.code}`);
      const user: ItineraryUser = {
        msisdn: phone,
        token: login.body.token as string,
        expected: '',
        onKilledShard: onKilled(f),
      };
      const first = await this.itinerary(user);
      if (first.status === 0 || first.status >= 500)
        throw new Error(`reference answer failed: ${first.status} ${first.code}`);
      user.expected = `${first.status} ${first.code}`;
      if (first.status === 200) {
        this.referenceOk++;
        this.acknowledged.set(phone, 1);
      }
      this.itineraryUsers.push(user);
    }
    const hcDirect = this.t.direct['health-code-1']!;
    const hc = this.t.urls.healthCode;
    for (let i = 0; i < o.checkinUsers; i++) {
      const phone = `1770000${String(i).padStart(4, '0')}`;
      await call(`${hcDirect}/api/hc/v1/sms-code`, { method: 'POST', body: { phone } });
      const box = await fetch(`${hcDirect}/dev/outbox?phone=${phone}`).then(
        (r) => r.json() as Promise<Array<{ text: string }>>,
      );
      const code = /(\d{6})/.exec(box.at(-1)!.text.replace(phone, ''))![1];
      const login = await call(`${hc}/api/hc/v1/login`, { method: 'POST', body: { phone, code } });
      if (login.status !== 200) throw new Error(`health-code login failed: ${login.status} ${login.code}`);
      const auth = { authorization: `Bearer ${login.body.token as string}` };
      const reg = await call(`${hc}/api/hc/v1/registrations`, {
        method: 'POST',
        headers: auth,
        body: {
          name: '测试者',
          idNumber: idNumber('360102', '1990-01-01', String(100 + i)),
          address: '南昌市东湖区',
          epidemicSojourn: false,
          symptoms: false,
          closeContact: false,
        },
      });
      if (reg.status !== 201) throw new Error(`registration failed: ${reg.status} ${reg.code}`);
      if (!this.venueCode) {
        const v = await call(`${hc}/api/hc/v1/venues`, {
          method: 'POST',
          headers: auth,
          body: { kind: 'unit', name: '测试场所', address: '南昌市东湖区' },
        });
        this.venueCode = v.body.checkinUrl as string;
      }
      this.checkinUsers.push(login.body.token as string);
    }
  }

  private itinerary(u: ItineraryUser) {
    return call(`${this.t.urls.platform}/api/v1/itinerary`, {
      headers: { authorization: `Bearer ${u.token}`, 'x-client-time': String(Date.now()) },
    });
  }

  private send(kind: Outcome['kind'], user: number): void {
    const at = Date.now();
    const p = (
      kind === 'itinerary'
        ? this.itinerary(this.itineraryUsers[user]!)
        : call(`${this.t.urls.healthCode}/api/hc/v1/checkins`, {
            method: 'POST',
            headers: { authorization: `Bearer ${this.checkinUsers[user]}` },
            body: { code: this.venueCode },
          })
    ).then((r) => {
      this.outcomes.push({ kind, user, at, end: Date.now(), status: r.status, code: r.code });
      if (kind === 'itinerary' && r.status === 200) {
        const m = this.itineraryUsers[user]!.msisdn;
        this.acknowledged.set(m, (this.acknowledged.get(m) ?? 0) + 1);
      }
    });
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Sends at fixed rates (open loop: a slow answer does not slow the load) until stop(). */
  run(itineraryPerSecond: number, checkinsPerSecond: number): void {
    const t0 = Date.now();
    let sentI = 0;
    let sentC = 0;
    this.timer = setInterval(() => {
      const s = (Date.now() - t0) / 1000;
      for (; sentI < Math.floor(s * itineraryPerSecond); sentI++)
        this.send('itinerary', sentI % this.itineraryUsers.length);
      for (; sentC < Math.floor(s * checkinsPerSecond); sentC++) this.send('checkin', sentC % this.checkinUsers.length);
    }, 10);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.inFlight]);
  }

  /** Waits until a query of a killed-shard number sent after `since` gets its reference answer; its send time. */
  async answeredAgain(since: number, timeoutMs: number): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const hit = this.outcomes.find((o) => {
        if (o.kind !== 'itinerary' || o.at < since) return false;
        const u = this.itineraryUsers[o.user]!;
        return u.onKilledShard && `${o.status} ${o.code}` === u.expected;
      });
      if (hit) return hit.at;
      await new Promise((r) => setTimeout(r, 200));
    }
    return undefined;
  }

  /**
   * `breakerOpenMs`: the platform's breaker time (PlatformOptions.breakerOpenMs). Each replica has
   * its own breaker per shard, which lets a probe through at most that long after it last opened:
   * once the shard is back, one replica may answer its numbers while another's breaker still waits.
   */
  report(faults: Fault[], shardFault: Fault, breakerOpenMs: number) {
    const ok = (o: Outcome) =>
      o.kind === 'itinerary' ? `${o.status} ${o.code}` === this.itineraryUsers[o.user]!.expected : o.status === 201;
    // In flight at any time while the shard was down (a query sent just before the kill may meet it),
    // or sent before every replica's breaker had its probe after the shard came back.
    const downUntil = Math.max(
      shardFault.downUntil ?? Number.POSITIVE_INFINITY,
      shardFault.readyAt ? shardFault.readyAt + breakerOpenMs : 0,
    );
    const allowed = (o: Outcome) =>
      o.kind === 'itinerary' &&
      o.code === 'QUERY_FAILED' &&
      this.itineraryUsers[o.user]!.onKilledShard &&
      o.end >= shardFault.at &&
      o.at <= downUntil;
    const unexpected = this.outcomes
      .filter((o) => !ok(o) && !allowed(o))
      .map((o) => ({
        kind: o.kind,
        status: o.status,
        code: o.code,
        expected: o.kind === 'itinerary' ? this.itineraryUsers[o.user]!.expected : '201',
        fault: faults.filter((f) => f.at <= o.at).at(-1)?.name ?? 'before the faults',
        afterFaultMs: o.at - (faults.filter((f) => f.at <= o.at).at(-1)?.at ?? o.at),
      }));
    const lines = faults.map((f, i) => {
      const end = faults[i + 1]?.at ?? Number.POSITIVE_INFINITY;
      const during = this.outcomes.filter((o) => o.at >= f.at && o.at < end);
      const failed = during.filter((o) => !ok(o));
      const byCode: Record<string, number> = {};
      for (const o of failed)
        byCode[`${o.kind} ${o.status} ${o.code}`] = (byCode[`${o.kind} ${o.status} ${o.code}`] ?? 0) + 1;
      const lastFailure = failed.at(-1)?.at;
      const recover = lastFailure === undefined ? 0 : lastFailure - f.at;
      return `  ${f.name.padEnd(40)} requests ${String(during.length).padStart(5)}  failed ${String(failed.length).padStart(4)} ${JSON.stringify(byCode)}  back in ${((f.readyAt - f.at) / 1000).toFixed(1)} s, last failure ${(recover / 1000).toFixed(1)} s after the fault${f.downUntil ? `, shard's numbers answered again ${((f.downUntil - f.at) / 1000).toFixed(1)} s after` : ''}`;
    });
    const it = this.outcomes.filter((o) => o.kind === 'itinerary');
    const ci = this.outcomes.filter((o) => o.kind === 'checkin');
    return {
      lines,
      unexpected,
      allowed: this.outcomes.filter((o) => !ok(o) && allowed(o)).length,
      deadShardQueriesWhileDown: it.filter(
        (o) =>
          this.itineraryUsers[o.user]!.onKilledShard &&
          o.at >= shardFault.at &&
          o.at <= (shardFault.downUntil ?? shardFault.at),
      ).length,
      itinerary: { sent: it.length, ok: it.filter((o) => o.status === 200).length + this.referenceOk },
      checkins: { sent: ci.length, ok: ci.filter((o) => o.status === 201).length },
    };
  }
}
