// The itinerary answer: routes a number to its operator node (porting registry,
// segments, MVNO hosts, secondary → primary), applies the user-facing rules
// (clock skew, new subscriber, no data, risk marks, card colour, notes) and
// audits the read. The web API, the SMS channel and the partner API call it.
import {
  AppError,
  addDays,
  type Clock,
  countryName,
  isMvnoSegment,
  type Lang,
  maskPhone,
  type NodeItinerary,
  OPERATORS,
  type Operator,
  regionByCode,
  regionNameEn,
  segmentOperator,
  type WindowDays,
} from '@itinerary-card/domain';
import type { ItineraryAnswer } from '@itinerary-card/domain/wire';
import { RefreshingCache } from '@itinerary-card/store';
import type { PlatformOptions } from '../config.ts';
import type { AuditEntry, AuditLog } from '../repositories/audit-log.ts';
import type { PortingRegistry, RegistryEntry } from '../repositories/porting-registry.ts';
import type { RiskAreas } from '../repositories/risk-areas.ts';
import { note } from './answer-notes.ts';
import { type NodeClient, NodeUnavailableError } from './node-client.ts';
import { servingDay } from './serving-day.ts';

export type Channel = 'web' | 'app' | 'sms' | 'partner';

export interface QueryOptions {
  days: WindowDays;
  channel: Channel;
  /** The phone's own clock (epoch ms), checked against Beijing time. */
  clientTime?: number;
  /** Who reads: a partner's client id; the owner otherwise. */
  actor?: string;
  consentId?: string;
  lang?: Lang;
}

export interface ItineraryServiceDeps {
  clock: Clock;
  /** With a simulated `clock` (the demo's --now): the real time, which a phone's clock may follow too. */
  realClock?: Clock;
  options: Pick<
    PlatformOptions,
    'clockSkewMs' | 'updateTimeMs' | 'greenCountries' | 'portingNoteDays' | 'queryDeadlineMs' | 'answerCacheMs'
  >;
  registry: PortingRegistry;
  riskAreas: RiskAreas;
  audit: AuditLog;
  nodes: Partial<Record<Operator, NodeClient>>;
  log: { warn(obj: unknown, msg: string): void };
}

export class ItineraryService {
  /** Node answers by number|days|day: a published day's snapshot does not change. */
  private readonly answers: RefreshingCache<NodeItinerary | null>;
  /** The card last composed from a node answer; dropped with the node answer. */
  private readonly composed = new WeakMap<NodeItinerary, ComposedCard>();
  private readonly green: ReadonlySet<string>;
  /** The audit entries of owners' reads of a card, by channel (see auditRead). */
  private readonly reads = new WeakMap<ItineraryAnswer, Partial<Record<Channel, AuditEntry>>>();

  constructor(private readonly deps: ItineraryServiceDeps) {
    this.green = new Set(deps.options.greenCountries);
    this.answers = new RefreshingCache({ ttlMs: deps.options.answerCacheMs, now: () => deps.clock.now() });
  }

  /** The answer for `msisdn` (already validated), once its read is durably audited; or an AppError. */
  async query(msisdn: string, opts: QueryOptions): Promise<ItineraryAnswer> {
    this.checkAuditRoom();
    let answer: ItineraryAnswer;
    try {
      answer = await this.answer(msisdn, opts);
      this.auditRead(msisdn, opts, answer);
    } catch (e) {
      this.audit(msisdn, opts, e instanceof AppError ? e.code : 'INTERNAL');
      throw e;
    }
    await this.deps.audit.durable();
    return answer;
  }

  /**
   * `query` without I/O or a promise when everything the answer depends on is
   * in memory (registry row, node answer, risk areas): the same checks, the
   * same answer or AppError, audited the same way. Undefined when something
   * must be loaded; then call `query`. The caller answers once
   * `audit.durable()` resolves (a read is answered only once audited).
   */
  cachedQuery(msisdn: string, opts: QueryOptions): ItineraryAnswer | undefined {
    let answer: ItineraryAnswer | undefined;
    this.checkAuditRoom();
    try {
      const lang = opts.lang ?? 'zh';
      if (opts.clientTime !== undefined) this.checkClientClock(opts.clientTime);
      const now = this.deps.clock.now();
      const day = servingDay(now, this.deps.options.updateTimeMs);
      const entry = this.deps.registry.cached(msisdn);
      if (entry === undefined) return undefined;
      const found = this.answers.cached(...this.lookupArgs(msisdn, entry.value, opts.days, day));
      if (found === undefined) return undefined;
      const risky = this.deps.riskAreas.cachedRiskyCities(now);
      answer = this.card(msisdn, opts.days, lang, day, entry.value, found.value, risky);
      if (answer === undefined) return undefined;
    } catch (e) {
      this.audit(msisdn, opts, e instanceof AppError ? e.code : 'INTERNAL');
      throw e;
    }
    this.auditRead(msisdn, opts, answer);
    return answer;
  }

  /**
   * Every read is audited: with the database down and the audit spool full, none
   * is answered (QUERY_FAILED; nothing was read, so nothing is recorded).
   */
  private checkAuditRoom(): void {
    if (!this.deps.audit.accepting()) throw new AppError('QUERY_FAILED');
  }

  private audit(msisdn: string, opts: QueryOptions, outcome: string, date?: string): void {
    this.deps.audit.record(auditEntry(msisdn, opts, outcome, date));
  }

  /**
   * Audits a successful read. An owner's reads of one card are the same entry
   * but for the time: it is made once, frozen, and recorded again for each read.
   */
  private auditRead(msisdn: string, opts: QueryOptions, answer: ItineraryAnswer): void {
    if (opts.actor !== undefined || opts.consentId !== undefined) {
      this.audit(msisdn, opts, 'ok', answer.date);
      return;
    }
    let byChannel = this.reads.get(answer);
    let entry = byChannel?.[opts.channel];
    if (entry === undefined || entry.msisdn !== msisdn || entry.action !== readAction(opts.days)) {
      entry = deepFreeze(auditEntry(msisdn, opts, 'ok', answer.date));
      if (byChannel === undefined) {
        byChannel = {};
        this.reads.set(answer, byChannel);
      }
      byChannel[opts.channel] = entry;
    }
    this.deps.audit.record(entry);
  }

  /**
   * Rejects a phone clock that differs from Beijing time by more than the allowed skew, either way
   * (from both the system's clock and, when there is one, the real clock).
   */
  checkClientClock(clientTime: number | undefined): void {
    if (clientTime === undefined || !Number.isFinite(clientTime)) throw new AppError('ILLEGAL_ACCESS');
    const { clock, realClock, options } = this.deps;
    const near = (c: Clock) => Math.abs(clientTime - c.now()) <= options.clockSkewMs;
    if (!near(clock) && !(realClock && near(realClock))) throw new AppError('ILLEGAL_ACCESS');
  }

  private async answer(msisdn: string, opts: QueryOptions): Promise<ItineraryAnswer> {
    const { clock, options } = this.deps;
    const lang = opts.lang ?? 'zh';
    if (opts.clientTime !== undefined) this.checkClientClock(opts.clientTime);
    const now = clock.now();
    const day = servingDay(now, options.updateTimeMs);
    const entry = await this.deps.registry.get(msisdn);
    const found = await this.answers.get(...this.lookupArgs(msisdn, entry, opts.days, day));
    // The errors the answer calls for come before the risk areas are read.
    this.card(msisdn, opts.days, lang, day, entry, found, undefined);
    const risky = await this.deps.riskAreas.riskyCities(now);
    return this.card(msisdn, opts.days, lang, day, entry, found, risky)!;
  }

  /**
   * The card from its inputs, or the AppError they call for; undefined when
   * there is no error and `risky` is missing (the risk areas are not at hand).
   * No closures made per call: tsx (keepNames) names each named one at a cost.
   */
  private card(
    msisdn: string,
    days: WindowDays,
    lang: Lang,
    day: string,
    entry: RegistryEntry | null,
    found: NodeItinerary | null,
    cities: ReadonlySet<string> | undefined,
  ): ItineraryAnswer | undefined {
    const recentlyPorted = isRecentPort(entry?.portedAt ?? found?.portedAt, day, this.deps.options.portingNoteDays);
    if (!found) throw new AppError('NO_DATA', recentlyPorted ? { notes: [note('porting', lang)] } : {});
    const mvno = entry?.kind === 'mvno' || found.kind === 'mvno' || isMvnoSegment(msisdn);
    const notes: string[] = [];
    if (mvno) notes.push(note('mvno', lang));
    if (recentlyPorted) notes.push(note('porting', lang));
    if (found.status === 'new_subscriber') throw new AppError('NEW_SUBSCRIBER', notes.length ? { notes } : {});
    if (found.status === 'no_data') throw new AppError('NO_DATA', notes.length ? { notes } : {});

    if (cities === undefined) return undefined;
    // The same node answer, registry row, risk set and language give the same card:
    // reuse it (read-only) instead of composing it again on every query.
    const memo = this.composed.get(found);
    if (
      memo &&
      memo.msisdn === msisdn &&
      memo.lang === lang &&
      memo.days === days &&
      memo.entry === entry &&
      memo.risky === cities &&
      memo.recentlyPorted === recentlyPorted
    ) {
      return memo.answer;
    }
    const answer = this.compose(msisdn, found, days, lang, cities, notes);
    this.composed.set(found, { msisdn, lang, days, entry, risky: cities, recentlyPorted, answer });
    return answer;
  }

  private compose(
    msisdn: string,
    found: NodeItinerary,
    days: WindowDays,
    lang: Lang,
    risky: ReadonlySet<string>,
    notes: string[],
  ): ItineraryAnswer {
    const cities = found.cities.map((code) => {
      // Names in the answer's language: GB/T 2260's Chinese, or English (pinyin cities, official provinces).
      const r = lang === 'en' ? regionNameEn(code) : regionByCode(code);
      return { code, province: r?.province ?? '', city: r?.city ?? code, risk: risky.has(code) };
    });
    const countries = found.countries.map((code) => ({ code, name: cachedCountryName(code, lang) }));
    const yellow = found.countries.some((c) => c !== 'CN' && !this.green.has(c));
    const answer: ItineraryAnswer = {
      phone: maskPhone(msisdn),
      updatedAt: found.updatedAt,
      windowDays: days,
      windowStart: found.windowStart,
      windowEnd: found.windowEnd,
      cities,
      countries,
      notes,
      cardColor: yellow ? 'yellow' : 'green',
      date: found.date,
      disclaimer: note('crossover', lang),
    };
    if (cities.some((c) => c.risk)) {
      answer.riskFootnote = note('risk', lang);
      notes.unshift(answer.riskFootnote);
    }
    return deepFreeze(answer);
  }

  /** Key, loader and keep rule of the node answer in `answers`. */
  private lookupArgs(
    msisdn: string,
    entry: RegistryEntry | null,
    days: WindowDays,
    day: string,
  ): [string, () => Promise<NodeItinerary | null>, (found: NodeItinerary | null) => boolean] {
    // The routing is part of the key: once the registry says a number moved to
    // another operator, its next query asks the new one.
    const route = entry ? `${entry.operator}|${entry.kind}|${entry.primaryMsisdn ?? ''}` : '';
    return [
      `${msisdn}|${days}|${day}|${route}`,
      () => this.withDeadline(this.lookup(msisdn, entry, days, day)),
      // An answer from an older snapshot (the node has not published day D yet) is not kept.
      (found) => found === null || found.date === day,
    ];
  }

  /** The node answer for the number (or its primary), null when no node knows it. */
  private async lookup(
    msisdn: string,
    entry: RegistryEntry | null,
    days: WindowDays,
    day: string,
  ): Promise<NodeItinerary | null> {
    const own = await this.ask(this.operatorsFor(msisdn, entry), msisdn, days, day);
    if (own || entry?.kind !== 'secondary' || !entry.primaryMsisdn) return own;
    // A secondary number's signaling is recorded under its primary number.
    const primary = entry.primaryMsisdn;
    const primaryEntry = await this.deps.registry.get(primary);
    const viaPrimary = await this.ask(this.operatorsFor(primary, primaryEntry), primary, days, day);
    return viaPrimary ? { ...viaPrimary, msisdn, kind: 'secondary', primaryMsisdn: primary } : null;
  }

  private operatorsFor(msisdn: string, entry: RegistryEntry | null): Operator[] {
    if (entry) return [entry.operator];
    const seg = segmentOperator(msisdn);
    if (seg) return [seg];
    // An MVNO number missing from the registry: its host is unknown, ask every node.
    return OPERATORS.filter((op) => this.deps.nodes[op]);
  }

  private async ask(ops: Operator[], msisdn: string, days: WindowDays, day: string): Promise<NodeItinerary | null> {
    if (ops.length === 0) throw new AppError('QUERY_FAILED');
    const results = await Promise.allSettled(
      ops.map((op) => {
        const node = this.deps.nodes[op];
        if (!node) return Promise.reject(new NodeUnavailableError(op, 'no node configured'));
        return node.itinerary(msisdn, days, day);
      }),
    );
    let failed = false;
    for (const r of results) {
      if (r.status === 'fulfilled' && r.value) return r.value;
      if (r.status === 'rejected') {
        failed = true;
        const e = r.reason as Error;
        this.deps.log.warn({ node: (e as NodeUnavailableError).nodeId, reason: e.message }, 'operator node failed');
      }
    }
    if (failed) throw new AppError('QUERY_FAILED');
    return null;
  }

  private withDeadline<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AppError('QUERY_FAILED')), this.deps.options.queryDeadlineMs);
    });
    return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
  }
}

function readAction(days: WindowDays): string {
  return days === 14 ? 'itinerary.read.14' : 'itinerary.read.7';
}

function auditEntry(msisdn: string, opts: QueryOptions, outcome: string, date?: string): AuditEntry {
  const detail: Record<string, unknown> = { channel: opts.channel };
  if (opts.consentId) detail.consentId = opts.consentId;
  if (date) detail.date = date;
  return {
    actorType: opts.channel === 'partner' ? 'partner' : opts.channel === 'sms' ? 'sms' : 'owner',
    actor: opts.actor ?? maskPhone(msisdn),
    action: readAction(opts.days),
    msisdn,
    outcome,
    detail,
  };
}

interface ComposedCard {
  msisdn: string;
  lang: Lang;
  days: WindowDays;
  entry: RegistryEntry | null;
  risky: ReadonlySet<string>;
  recentlyPorted: boolean;
  answer: ItineraryAnswer;
}

/** Answers are shared between queries: freezing them makes a stray write fail loudly. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const countryNames = new Map<string, string>();

/** countryName() scans a table; the answer path asks for the same few names all day. */
function cachedCountryName(code: string, lang: Lang): string {
  const key = `${lang}:${code}`;
  let name = countryNames.get(key);
  if (name === undefined) {
    name = countryName(code, lang);
    if (countryNames.size < 1000) countryNames.set(key, name);
  }
  return name;
}

function isRecentPort(portedAt: string | undefined, day: string, noteDays: number): boolean {
  if (!portedAt) return false;
  return portedAt >= addDays(day, -noteDays) && portedAt <= day;
}
