// The key-value seam for short-lived state (codes, rate limits, sessions):
// in memory with TTLs when embedded, Redis in production. Counters use a fixed
// window: the TTL is set when a key is created and not extended by later incr.
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DEFAULT_STORAGE_RETRY_MS, RetryWindow } from './retry-window.ts';
import { isKeyValueOutage, storageUnavailable } from './storage-outage.ts';

export interface KeyValue {
  get(k: string): Promise<string | null>;
  set(k: string, v: string, ttlMs?: number): Promise<void>;
  /** Sets only when the key does not exist; true when it was set. */
  setNx(k: string, v: string, ttlMs?: number): Promise<boolean>;
  del(k: string): Promise<void>;
  /** Reads and deletes in one step (single-use values); null when absent. */
  take(k: string): Promise<string | null>;
  /** Deletes `k` only while it still holds `v`, in one step; true when it did (this very value is used up). */
  takeIf(k: string, v: string): Promise<boolean>;
  /** Adds 1 and returns the new value; a new key gets `ttlMs` (fixed window). */
  incr(k: string, ttlMs?: number): Promise<number>;
  /** Milliseconds to live: -2 when the key is absent, -1 when it has no expiry. */
  ttl(k: string): Promise<number>;
  /**
   * All or nothing, in one atomic step (one Lua script in Redis): when every
   * counter is below its `max`, adds `add` (default 1) to each and returns the
   * new values; otherwise changes nothing and names the first full counter with
   * its time to live. A counter with `add: 0` is only checked (a lock key).
   * Limits are thus counted before the guarded work runs, so concurrent
   * requests cannot all pass a check made before any of them counted.
   */
  consume(counters: readonly Counter[]): Promise<ConsumeResult>;
  /**
   * Many `consume` calls in one atomic step (one Lua script, one round trip in
   * Redis): each group is all or nothing on its own, the groups applied in the
   * order given, so a group sees what the ones before it counted. One result per
   * group, as `consume` answers it. For hot paths that gather the limits of the
   * requests arriving together (check-ins).
   */
  consumeEach(groups: readonly (readonly Counter[])[]): Promise<ConsumeResult[]>;
  /** Sends `message` to every subscriber of `channel` (every process sharing the store). */
  publish(channel: string, message: string): Promise<void>;
  /**
   * Calls `onMessage` for each message published on `channel`. `onGap` is called
   * when messages may have been missed (the connection dropped), so a cache that
   * relies on them can start afresh. Resolves once subscribed; returns the way out.
   */
  subscribe(channel: string, onMessage: (message: string) => void, onGap?: () => void): Promise<() => Promise<void>>;
  /** Checks the store answers, at once: no wait for a reconnect (readiness probes). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** One counter of `KeyValue.consume`; a new key gets `ttlMs` (fixed window). */
export interface Counter {
  key: string;
  /** The counter refuses once its value has reached this. */
  max: number;
  ttlMs?: number;
  /** 1 (default) counts; 0 only checks. */
  add?: 0 | 1;
}

export type ConsumeResult =
  | { ok: true; counts: number[] }
  /** `index` of the first full counter in the request; `ttlMs` as `ttl` gives it. */
  | { ok: false; index: number; ttlMs: number };

export interface OpenKeyValueOptions {
  /** redis://… : use Redis; in memory when absent. */
  url?: string;
  /** Prefix for every key (several apps sharing one Redis). */
  prefix?: string;
  /** Clock for the in-memory store (tests move time by hand). */
  now?: () => number;
  /**
   * Redis only: how long a command may take, and opening the connection, before
   * failing with STORAGE_UNAVAILABLE (default 800 ms). While the connection is
   * down commands wait for the reconnect within `retryMs` (no offline queue:
   * a command is sent once the connection is back), then fail.
   */
  timeoutMs?: number;
  /**
   * Redis only: how long commands wait for Redis to come back in an outage (a
   * restart) before failing with STORAGE_UNAVAILABLE (default 3000 ms, counted
   * from the outage's first failure; see retry-window.ts). 0: no retries.
   */
  retryMs?: number;
}

export async function openKeyValue(options: OpenKeyValueOptions = {}): Promise<KeyValue> {
  if (options.url) return openRedisKeyValue(options.url, options.prefix, options.timeoutMs, options.retryMs);
  return new MemoryKeyValue(options.now);
}

interface Entry {
  v: string;
  /** Expiry in ms since epoch; 0 = never. */
  exp: number;
}

export class MemoryKeyValue implements KeyValue {
  private readonly map = new Map<string, Entry>();
  private readonly channels = new Map<string, Set<(message: string) => void>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    // Lazy expiry on read plus a periodic sweep so abandoned keys do not pile up.
    this.sweeper = setInterval(() => this.sweep(), 10_000);
    this.sweeper.unref();
  }

  private live(k: string): Entry | undefined {
    const e = this.map.get(k);
    if (e === undefined) return undefined;
    if (e.exp !== 0 && e.exp <= this.now()) {
      this.map.delete(k);
      return undefined;
    }
    return e;
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, e] of this.map) if (e.exp !== 0 && e.exp <= t) this.map.delete(k);
  }

  private expiry(ttlMs?: number): number {
    return ttlMs && ttlMs > 0 ? this.now() + ttlMs : 0;
  }

  async get(k: string): Promise<string | null> {
    return this.live(k)?.v ?? null;
  }
  async set(k: string, v: string, ttlMs?: number): Promise<void> {
    this.map.set(k, { v, exp: this.expiry(ttlMs) });
  }
  async setNx(k: string, v: string, ttlMs?: number): Promise<boolean> {
    if (this.live(k)) return false;
    this.map.set(k, { v, exp: this.expiry(ttlMs) });
    return true;
  }
  async del(k: string): Promise<void> {
    this.map.delete(k);
  }
  async take(k: string): Promise<string | null> {
    const e = this.live(k);
    if (!e) return null;
    this.map.delete(k);
    return e.v;
  }
  async takeIf(k: string, v: string): Promise<boolean> {
    if (this.live(k)?.v !== v) return false;
    this.map.delete(k);
    return true;
  }
  async incr(k: string, ttlMs?: number): Promise<number> {
    const e = this.live(k);
    if (!e) {
      this.map.set(k, { v: '1', exp: this.expiry(ttlMs) });
      return 1;
    }
    const n = Number(e.v) + 1;
    if (!Number.isFinite(n)) throw new TypeError(`value of ${k} is not a number`);
    e.v = String(n);
    return n;
  }
  async ttl(k: string): Promise<number> {
    const e = this.live(k);
    if (!e) return -2;
    return e.exp === 0 ? -1 : e.exp - this.now();
  }
  async consume(counters: readonly Counter[]): Promise<ConsumeResult> {
    return this.consumeNow(counters);
  }
  async consumeEach(groups: readonly (readonly Counter[])[]): Promise<ConsumeResult[]> {
    return groups.map((g) => this.consumeNow(g));
  }
  private consumeNow(counters: readonly Counter[]): ConsumeResult {
    // No await between the checks and the writes: atomic on one event loop.
    for (let i = 0; i < counters.length; i++) {
      const c = counters[i]!;
      const e = this.live(c.key);
      if (e && Number(e.v) >= c.max) return { ok: false, index: i, ttlMs: e.exp === 0 ? -1 : e.exp - this.now() };
      if (!e && c.max <= 0) return { ok: false, index: i, ttlMs: -2 };
    }
    const counts: number[] = [];
    for (const c of counters) {
      const e = this.live(c.key);
      const add = c.add ?? 1;
      if (add === 0) counts.push(e ? Number(e.v) : 0);
      else if (e) {
        e.v = String(Number(e.v) + add);
        counts.push(Number(e.v));
      } else {
        this.map.set(c.key, { v: String(add), exp: this.expiry(c.ttlMs) });
        counts.push(add);
      }
    }
    return { ok: true, counts };
  }
  async publish(channel: string, message: string): Promise<void> {
    for (const fn of this.channels.get(channel) ?? []) fn(message);
  }
  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    let set = this.channels.get(channel);
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
    }
    set.add(onMessage);
    return async () => {
      set.delete(onMessage);
    };
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.map.clear();
    this.channels.clear();
  }
}

// Commands that change a count or take a value are sent again after a
// connection lost while they ran (Redis may have run them) and still act once:
// each call names an operation key (KEYS[1]) under which the script keeps its
// answer for ARGV[1] ms. Sent again (ARGV[2] = '1'), it looks there first and,
// when the first run did happen, answers that again and changes nothing; the
// first send does not look (one call fewer in Redis on the hot path).
const OP = `local op = KEYS[1]
local done = false
if ARGV[2] == '1' then done = redis.call('GET', op) end
local function keep(v)
  redis.call('SET', op, v, 'PX', ARGV[1])
end
`;

// KeyValue.incr: INCR and set the TTL only on creation, atomically. KEYS[2]: counter; ARGV[3]: ttl ms.
const INCR_SCRIPT = `${OP}if done then return tonumber(done) end
local v = redis.call('INCR', KEYS[2])
if v == 1 and tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
keep(v)
return v`;

// KeyValue.takeIf: delete only while the key holds the value. KEYS[2]: key; ARGV[3]: value.
const TAKE_IF_SCRIPT = `${OP}if done then return tonumber(done) end
local r = 0
if redis.call('GET', KEYS[2]) == ARGV[3] then r = redis.call('DEL', KEYS[2]) end
keep(r)
return r`;

// KeyValue.take: read and delete. KEYS[2]: key. The answer is kept as '=' .. value, or '' for none.
const TAKE_SCRIPT = `${OP}if done then
  if done == '' then return false end
  return string.sub(done, 2)
end
local v = redis.call('GET', KEYS[2])
if v then
  redis.call('DEL', KEYS[2])
  keep('=' .. v)
else
  keep('')
end
return v`;

// KeyValue.setNx: set only when absent. KEYS[2]: key; ARGV[3]: value, ARGV[4]: ttl ms (0: none). Answers 1 or 0.
const SET_NX_SCRIPT = `${OP}if done then return tonumber(done) end
local ok
if tonumber(ARGV[4]) > 0 then
  ok = redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4], 'NX')
else
  ok = redis.call('SET', KEYS[2], ARGV[3], 'NX')
end
local r = 0
if ok then r = 1 end
keep(r)
return r`;

// KeyValue.consumeEach (and consume, a single group): for each group in turn, check
// every counter, then count them all, in one step. KEYS[2…]: the distinct counters;
// ARGV[3…]: per group its counter count n and n × (key index in KEYS, max, ttl ms, add).
// Values are read once and the adds summed per key, written at the end (INCRBY,
// and PEXPIRE on a key it created, as consume's fixed window); a key is written
// early only to read the time to live of a full counter. Answers (and keeps) one
// text: per group "1 c1 c2…" or "0 index pttl", joined by ','.
const CONSUME_EACH_SCRIPT = `${OP}if done then return done end
local val, pend, ttl = {}, {}, {}
local function value(i)
  local v = val[i]
  if v == nil then
    v = tonumber(redis.call('GET', KEYS[i]) or '0') or 0
    val[i] = v
    pend[i] = 0
  end
  return v
end
local function flush(i)
  local add = pend[i]
  if add and add > 0 then
    local v = redis.call('INCRBY', KEYS[i], add)
    if v == add and ttl[i] and ttl[i] > 0 then redis.call('PEXPIRE', KEYS[i], ttl[i]) end
    pend[i] = 0
  end
end
local out = {}
local a = 3
while a <= #ARGV do
  local n = tonumber(ARGV[a])
  local full = -1
  for j = 0, n - 1 do
    local b = a + 1 + 4 * j
    if value(tonumber(ARGV[b])) >= tonumber(ARGV[b + 1]) then
      full = j
      break
    end
  end
  if full >= 0 then
    local i = tonumber(ARGV[a + 1 + 4 * full])
    flush(i)
    out[#out + 1] = '0 ' .. full .. ' ' .. redis.call('PTTL', KEYS[i])
  else
    local r = {'1'}
    for j = 0, n - 1 do
      local b = a + 1 + 4 * j
      local i = tonumber(ARGV[b])
      local add = tonumber(ARGV[b + 3])
      if add > 0 then
        if val[i] == 0 and pend[i] == 0 and ttl[i] == nil then ttl[i] = tonumber(ARGV[b + 2]) end
        val[i] = val[i] + add
        pend[i] = pend[i] + add
      end
      r[#r + 1] = val[i]
    end
    out[#out + 1] = table.concat(r, ' ')
  end
  a = a + 1 + 4 * n
end
for i in pairs(pend) do flush(i) end
local text = table.concat(out, ',')
keep(text)
return text`;

/** A Lua script sent by its SHA-1 (EVALSHA), not its text, once Redis has it: counters are on hot paths. */
interface Script {
  text: string;
  sha: string;
}
const script = (text: string): Script => ({ text, sha: createHash('sha1').update(text).digest('hex') });
const INCR = script(INCR_SCRIPT);
const TAKE = script(TAKE_SCRIPT);
const TAKE_IF = script(TAKE_IF_SCRIPT);
const SET_NX = script(SET_NX_SCRIPT);
const CONSUME_EACH = script(CONSUME_EACH_SCRIPT);
/** How long an operation's answer outlives the retry window and the command's own time limit. */
const OP_KEEP_MARGIN_MS = 10_000;

export async function openRedisKeyValue(
  url: string,
  prefix = '',
  timeoutMs = 800,
  retryMs = DEFAULT_STORAGE_RETRY_MS,
): Promise<KeyValue> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    lazyConnect: true,
    enableAutoPipelining: true,
    // No queue of commands waiting for a reconnect inside ioredis (they failed
    // after 11 s before): a command that finds the connection down waits in
    // RedisKeyValue.run, within the retry window, and is sent once it is back.
    // A limit on each command, and reconnects at most 200 ms apart (refused at
    // once while Redis is down) so service resumes soon after Redis does.
    enableOfflineQueue: false,
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(timeoutMs, 1000),
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 50, 200),
  });
  // Connection errors are reported here while it reconnects; commands fail on their own.
  redis.on('error', () => {});
  await redis.connect();
  return new RedisKeyValue(redis, prefix, new RetryWindow(retryMs), retryMs + timeoutMs + OP_KEEP_MARGIN_MS);
}

/** Rethrows a Redis outage (closed, offline, timed out) as STORAGE_UNAVAILABLE; a reply error as it is. */
function outage(e: unknown): never {
  throw isKeyValueOutage(e) ? storageUnavailable(e) : e;
}

class RedisKeyValue implements KeyValue {
  private readonly subscribers = new Set<Redis>();
  /** Operations: this client's random name and a sequence, unique without a random draw per call. */
  private readonly opName = randomBytes(9).toString('base64url');
  private opSeq = 0;
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly window: RetryWindow,
    /** How long Redis keeps an operation's answer: past any retry of it. */
    private readonly opKeepMs: number,
  ) {}
  /** A script call that acts once: its operation key and how long it is kept, whether it is sent again, the rest. */
  private once(s: Script, keys: string[], args: string[]): Promise<unknown> {
    const k = [`${this.prefix}op:${this.opName}:${(++this.opSeq).toString(36)}`, ...keys];
    return this.run((attempt) => this.evalScript(s, k, [String(this.opKeepMs), attempt > 0 ? '1' : '0', ...args]));
  }
  /** Runs a script by its SHA-1; by its text when Redis answers NOSCRIPT (restarted or flushed: nothing ran). */
  private evalScript(s: Script, keys: string[], args: string[]): Promise<unknown> {
    return this.redis.evalsha(s.sha, keys.length, ...keys, ...args).catch((e: unknown) => {
      if (e instanceof Error && e.message.startsWith('NOSCRIPT'))
        return this.redis.eval(s.text, keys.length, ...keys, ...args);
      throw e;
    });
  }
  private k(k: string): string {
    return this.prefix + k;
  }
  /**
   * Runs a command; in an outage waits for the reconnect within the retry
   * window and sends it again, else throws STORAGE_UNAVAILABLE. Every command
   * may be sent twice: reads and plain writes of a value are the same when run
   * again, and the others (counters, takes, set-if-absent) are scripts that keep
   * their answer under an operation key, so a second run answers the first's.
   */
  private async run<T>(command: (attempt: number) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const out = await command(attempt);
        this.window.up();
        return out;
      } catch (e) {
        if (!isKeyValueOutage(e)) throw e;
        // A timed-out command is sent again too: each is short, and a stalled Redis answers it once it runs.
        if (await this.window.pause(attempt, () => this.redis.status === 'ready')) continue;
        outage(e);
      }
    }
  }
  get(k: string): Promise<string | null> {
    return this.run(() => this.redis.get(this.k(k)));
  }
  async set(k: string, v: string, ttlMs?: number): Promise<void> {
    if (ttlMs && ttlMs > 0) await this.run(() => this.redis.set(this.k(k), v, 'PX', Math.ceil(ttlMs)));
    else await this.run(() => this.redis.set(this.k(k), v));
  }
  async setNx(k: string, v: string, ttlMs?: number): Promise<boolean> {
    const ttl = String(ttlMs && ttlMs > 0 ? Math.ceil(ttlMs) : 0);
    return Number(await this.once(SET_NX, [this.k(k)], [v, ttl])) === 1;
  }
  async del(k: string): Promise<void> {
    await this.run(() => this.redis.del(this.k(k)));
  }
  async take(k: string): Promise<string | null> {
    return ((await this.once(TAKE, [this.k(k)], [])) as string | null) ?? null;
  }
  async takeIf(k: string, v: string): Promise<boolean> {
    return Number(await this.once(TAKE_IF, [this.k(k)], [v])) === 1;
  }
  async incr(k: string, ttlMs?: number): Promise<number> {
    return Number(await this.once(INCR, [this.k(k)], [String(Math.ceil(ttlMs ?? 0))]));
  }
  ttl(k: string): Promise<number> {
    return this.run(() => this.redis.pttl(this.k(k)));
  }
  async consume(counters: readonly Counter[]): Promise<ConsumeResult> {
    return (await this.consumeEach([counters]))[0]!;
  }
  async consumeEach(groups: readonly (readonly Counter[])[]): Promise<ConsumeResult[]> {
    if (groups.length === 0) return [];
    // A key named by several groups (one address behind many check-ins) is sent and read once.
    const index = new Map<string, number>();
    const keys: string[] = [];
    const args: string[] = [];
    for (const g of groups) {
      args.push(String(g.length));
      for (const c of g) {
        const key = this.k(c.key);
        let i = index.get(key);
        if (i === undefined) {
          keys.push(key);
          // KEYS[1] is the operation's key.
          i = keys.length + 1;
          index.set(key, i);
        }
        args.push(String(i), String(c.max), String(Math.ceil(c.ttlMs ?? 0)), String(c.add ?? 1));
      }
    }
    // Counted once: never twice (sent again after a lost connection, it answers the counts it made),
    // nor let through uncounted (past the retry window it fails closed).
    const text = String(await this.once(CONSUME_EACH, keys, args));
    return text.split(',').map((part): ConsumeResult => {
      const f = part.split(' ').map(Number);
      return f[0] === 1 ? { ok: true, counts: f.slice(1) } : { ok: false, index: f[1]!, ttlMs: f[2]! };
    });
  }
  async publish(channel: string, message: string): Promise<void> {
    await this.run(() => this.redis.publish(this.k(channel), message));
  }
  async subscribe(
    channel: string,
    onMessage: (message: string) => void,
    onGap?: () => void,
  ): Promise<() => Promise<void>> {
    // A subscribed Redis connection can do nothing else: a connection of its own.
    // It queues its (re)subscription while reconnecting, and waits as long as that takes.
    const sub = this.redis.duplicate({
      lazyConnect: true,
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
      commandTimeout: undefined,
    });
    const name = this.k(channel);
    sub.on('message', (ch: string, message: string) => {
      if (ch === name) onMessage(message);
    });
    let ready = false;
    // ioredis resubscribes after a reconnect; what was published meanwhile is lost.
    sub.on('ready', () => {
      if (ready) onGap?.();
      ready = true;
    });
    sub.on('close', () => {
      if (ready) onGap?.();
    });
    sub.on('error', () => {});
    this.subscribers.add(sub);
    await sub.connect();
    await sub.subscribe(name);
    return async () => {
      this.subscribers.delete(sub);
      await sub.quit().catch(() => sub.disconnect());
    };
  }
  async ping(): Promise<void> {
    await this.redis.ping().catch(outage);
  }
  async close(): Promise<void> {
    for (const sub of this.subscribers) sub.disconnect();
    this.subscribers.clear();
    // In an outage QUIT cannot be sent (no offline queue): drop the connection instead.
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
