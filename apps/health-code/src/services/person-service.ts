// First application and changes of a person's health code, the colour verdict
// (evaluated live against the current area list and rules), the signed personal
// code, and the office's decisions. An ID number another phone registered (代申领,
// or a squatter) is claimed by a registration that gives the ID's name: the code
// moves to the claimant and the other phone is told; the answer is the same as
// for a first registration, so it does not tell whether anyone registered the ID.
import { randomBytes } from 'node:crypto';
import type { ColourLetter } from '@itinerary-card/domain';
import { AppError, beijingDate, type Clock, DAY_MS, maskPhone } from '@itinerary-card/domain';
import type { AuditLog } from '../repositories/audit-log.ts';
import type { ColourBasis, PeopleRepo, Person } from '../repositories/people-repo.ts';
import { type ColourRule, evaluateColour, type Verdict } from '../rules/colour-rules.ts';
import { type EpidemicArea, type ItinerarySummary, matchItinerary } from '../rules/epidemic-areas.ts';
import { checkIdNumber, checkName, maskIdNumber, maskName } from '../rules/id-card.ts';
import type { Keyring } from '../signing/keyring.ts';
import type { AreaList } from './area-list.ts';
import type { ClaimSupport } from './claim-support.ts';
import type { ItineraryCheck, ItineraryCheckService } from './itinerary-check.ts';

export interface PersonInput {
  name: unknown;
  idNumber: unknown;
  address: unknown;
  epidemicSojourn: boolean;
  symptoms: boolean;
  closeContact: boolean;
  itineraryCheckId?: string;
  /** Registering for someone else (代申领), e.g. an elderly relative without a phone of their own. */
  forOther?: boolean;
}

/** Claims of one registration within this window beyond which the office decides (CLAIM_DISPUTED). */
const CLAIM_WINDOW_MS = 30 * DAY_MS;
const MAX_CLAIMS_IN_WINDOW = 3;

/** An itinerary is evidence for 14 days after its window closed; after that the stays are older than 14 days. */
const ITINERARY_EVIDENCE_MS = 14 * DAY_MS;

/** The person's last authorised itinerary while it is still evidence, else null. */
function freshItinerary(p: Pick<Person, 'itinerary'>, now: number): ItinerarySummary | null {
  return p.itinerary !== null && now < Date.parse(p.itinerary.windowEnd) + ITINERARY_EVIDENCE_MS ? p.itinerary : null;
}

function verdictOf(p: ColourBasis, areas: readonly EpidemicArea[], rules: readonly ColourRule[], now: number): Verdict {
  const itinerary = freshItinerary(p, now);
  return evaluateColour(
    {
      declaredSojourn: p.declaredSojourn,
      itineraryHits: itinerary ? matchItinerary(itinerary, areas) : [],
      symptoms: p.symptoms,
      closeContact: p.closeContact,
      office: p.office,
      itineraryUnverified: itinerary === null,
    },
    rules,
  );
}

const LETTER: Record<string, ColourLetter> = { green: 'g', yellow: 'y', red: 'r' };

export class PersonService {
  constructor(
    private readonly people: PeopleRepo,
    private readonly areas: AreaList,
    private readonly checks: ItineraryCheckService,
    private readonly audit: AuditLog,
    private readonly keyring: () => Keyring,
    private readonly rules: readonly ColourRule[],
    private readonly clock: Clock,
    private readonly codeTtlSeconds: number,
    private readonly claims?: ClaimSupport,
  ) {}

  private validate(input: PersonInput, now: number): { name: string; idNumber: string; address: string } {
    const name = checkName(input.name);
    if (!name) throw new AppError('NAME_INVALID');
    const id = checkIdNumber(input.idNumber, beijingDate(now));
    if (!id.ok) throw new AppError('ID_NUMBER_INVALID', { reason: id.reason });
    const address = typeof input.address === 'string' ? input.address.trim() : '';
    if (address.length < 2 || address.length > 200) throw new AppError('BAD_REQUEST', { field: 'address' });
    return { name, idNumber: id.id, address };
  }

  private async apply(p: Person, input: PersonInput, check: ItineraryCheck | undefined): Promise<Person> {
    if (check) {
      p.itinerary = check.itinerary;
      p.itineraryConsentId = check.consentId;
    }
    // The itinerary's answer locks the declaration to Yes; a person may still declare Yes by hand.
    p.declaredSojourn = input.epidemicSojourn || (check?.epidemicSojourn ?? false);
    p.symptoms = input.symptoms;
    p.closeContact = input.closeContact;
    p.colour = verdictOf(p, await this.areas.list(), this.rules, this.clock.now()).colour;
    return p;
  }

  async register(phone: string, input: PersonInput): Promise<Person> {
    const now = this.clock.now();
    const v = this.validate(input, now);
    if (await this.people.byPhone(phone)) throw new AppError('ALREADY_REGISTERED');
    const check = input.itineraryCheckId ? await this.checks.take(input.itineraryCheckId, phone) : undefined;
    const held = await this.people.byIdNumber(v.idNumber);
    if (held) return this.claim(phone, held, v, input, check, now);
    const p: Person = {
      id: `P${randomBytes(8).toString('hex')}`,
      phone,
      ...v,
      declaredSojourn: false,
      symptoms: false,
      closeContact: false,
      itinerary: null,
      itineraryConsentId: null,
      office: null,
      colour: 'green',
      createdAt: now,
      updatedAt: now,
      proxy: input.forOther === true,
    };
    await this.apply(p, input, check);
    try {
      return await this.save(p, 'person.register', phone, now, () => this.people.insert(p));
    } catch (e) {
      // Raced with another phone registering the same ID number: that is a claim too.
      const raced = (e as AppError).code === 'ALREADY_REGISTERED' && !(await this.people.byPhone(phone));
      const other = raced ? await this.people.byIdNumber(v.idNumber) : undefined;
      if (!other) throw e;
      return this.claim(phone, other, v, input, check, now);
    }
  }

  /**
   * The ID number is held by another phone. Given the name on that record, the
   * registration moves to this phone with this phone's answers (the office's
   * decision stays with the person) and the other phone is told by SMS.
   */
  private async claim(
    phone: string,
    held: Person,
    v: { name: string; idNumber: string; address: string },
    input: PersonInput,
    check: ItineraryCheck | undefined,
    now: number,
  ): Promise<Person> {
    if (held.name !== v.name) {
      await this.claims?.mismatch(phone);
      throw new AppError('ID_NAME_MISMATCH');
    }
    if ((await this.people.claimsSince(held.id, now - CLAIM_WINDOW_MS)) >= MAX_CLAIMS_IN_WINDOW) {
      await this.audit.record({
        at: now,
        actor: 'holder',
        action: 'person.claim',
        subject: maskPhone(phone),
        detail: { person: held.id, outcome: 'CLAIM_DISPUTED' },
      });
      throw new AppError('CLAIM_DISPUTED');
    }
    const from = held.phone;
    const p: Person = {
      ...held,
      phone,
      address: v.address,
      itinerary: null,
      itineraryConsentId: null,
      updatedAt: now,
      proxy: input.forOther === true,
    };
    await this.apply(p, input, check);
    if (!(await this.people.claim(p, from, now))) throw new AppError('CLAIM_DISPUTED');
    await this.audit.record({
      at: now,
      actor: 'holder',
      action: 'person.claim',
      subject: maskPhone(phone),
      detail: { person: p.id, from: maskPhone(from), wasProxy: held.proxy === true, colour: p.colour },
    });
    await this.claims?.claimed(p, from);
    return p;
  }

  /**
   * The ID number's checks of register(), asked for as soon as it is typed so the form
   * says so before the rest is filled in; it tells no more than submitting would.
   */
  async precheckId(phone: string, idNumber: unknown): Promise<void> {
    const id = checkIdNumber(idNumber, beijingDate(this.clock.now()));
    if (!id.ok) throw new AppError('ID_NUMBER_INVALID', { reason: id.reason });
    if ((await this.people.byPhone(phone)) || (await this.people.byIdNumber(id.id)))
      throw new AppError('ALREADY_REGISTERED');
  }

  /** An edit may leave the ID number out (the form shows it masked): the stored one is kept. */
  async edit(phone: string, input: PersonInput): Promise<Person> {
    const now = this.clock.now();
    const p = await this.mine(phone);
    const v = this.validate(
      { ...input, idNumber: input.idNumber === undefined || input.idNumber === '' ? p.idNumber : input.idNumber },
      now,
    );
    if (v.idNumber !== p.idNumber) {
      const other = await this.people.byIdNumber(v.idNumber);
      if (other && other.id !== p.id) {
        // As at registration: a wrong name learns only that name and ID do not match.
        if (other.name !== v.name) {
          await this.claims?.mismatch(phone);
          throw new AppError('ID_NAME_MISMATCH');
        }
        throw new AppError('ALREADY_REGISTERED');
      }
    }
    const check = input.itineraryCheckId ? await this.checks.take(input.itineraryCheckId, phone) : undefined;
    Object.assign(p, v, { updatedAt: now });
    await this.apply(p, input, check);
    return this.save(p, 'person.edit', phone, now, () => this.people.update(p));
  }

  /** Stores a registration or an edit and audits it. */
  private async save(
    p: Person,
    action: 'person.register' | 'person.edit',
    phone: string,
    now: number,
    write: () => Promise<unknown>,
  ): Promise<Person> {
    try {
      await write();
    } catch (e) {
      // Two applications racing for the same number or ID number: the unique index decides.
      if ((e as { code?: string }).code === '23505') throw new AppError('ALREADY_REGISTERED', {}, { cause: e });
      throw e;
    }
    await this.audit.record({
      at: now,
      actor: 'holder',
      action,
      subject: maskPhone(phone),
      detail: { person: p.id, colour: p.colour },
    });
    return p;
  }

  async mine(phone: string): Promise<Person> {
    const p = await this.people.byPhone(phone);
    if (!p) throw new AppError('NOT_REGISTERED');
    return p;
  }

  async verdict(p: Person): Promise<Verdict> {
    return verdictOf(p, await this.areas.list(), this.rules, this.clock.now());
  }

  /**
   * What the colour rests on besides the declaration: the last authorised itinerary
   * while it is evidence (null: the holder skipped the check or it has aged out, which
   * the code and the staff page show as 行程未核验), and the places in it that lock
   * 疫区旅居史 to Yes on the edit form until a newer authorised check says otherwise.
   */
  async itineraryBasis(p: Person) {
    const itinerary = freshItinerary(p, this.clock.now());
    const hits = itinerary ? matchItinerary(itinerary, await this.areas.list()) : [];
    return {
      itineraryVerified: itinerary !== null,
      sojournLock: hits.length > 0 ? { hits: hits.map((h) => ({ areaName: h.areaName, place: h.place })) } : null,
    };
  }

  /** The holder's current colour with its reasons (the check-in answer shows it to the guard). */
  async current(phone: string) {
    const p = await this.people.colourBasis(phone);
    if (!p) throw new AppError('NOT_REGISTERED');
    const areas = await this.areas.list();
    const now = this.clock.now();
    const v = verdictOf(p, areas, this.rules, now);
    return { colour: v.colour, reasons: v.reasons, itineraryVerified: freshItinerary(p, now) !== null };
  }

  /** What the holder sees about themselves (masked identity numbers). */
  async profile(phone: string) {
    return this.profileOf(await this.mine(phone));
  }

  /**
   * The profile of `p` as just saved: a registration's or an edit's answer describes
   * what was saved even when a racing claim has since moved the code to another phone.
   */
  async profileOf(p: Person) {
    const v = await this.verdict(p);
    return {
      ...(await this.itineraryBasis(p)),
      personId: p.id,
      phone: maskPhone(p.phone),
      name: p.name,
      maskedName: maskName(p.name),
      idNumber: maskIdNumber(p.idNumber),
      address: p.address,
      epidemicSojourn: p.declaredSojourn,
      symptoms: p.symptoms,
      closeContact: p.closeContact,
      itinerary: p.itinerary,
      forOther: p.proxy === true,
      colour: v.colour,
      reasons: v.reasons,
      updatedAt: p.updatedAt,
    };
  }

  /** A freshly signed personal code. */
  async code(phone: string) {
    const p = await this.mine(phone);
    const v = await this.verdict(p);
    const now = this.clock.now();
    const exp = Math.floor(now / 1000) + this.codeTtlSeconds;
    const maskedName = maskName(p.name);
    const itineraryVerified = freshItinerary(p, now) !== null;
    const token = this.keyring().sign(
      { t: 'P', exp, colour: LETTER[v.colour]!, name: maskedName, ref: p.id, itinerary: itineraryVerified ? 'v' : 'u' },
      now,
    );
    return {
      token,
      colour: v.colour,
      reasons: v.reasons,
      itineraryVerified,
      maskedName,
      phone: maskPhone(p.phone),
      issuedAt: now,
      expiresAt: exp * 1000,
      refreshAfterSeconds: Math.max(5, Math.floor(this.codeTtlSeconds / 3)),
      serverTime: now,
    };
  }

  /**
   * An itinerary check the holder authorised at a check-in becomes the evidence of their
   * code, as one at an edit would: the guard then sees the colour the itinerary gives.
   * Nothing for a number that holds no code.
   */
  async adoptCheck(phone: string, check: ItineraryCheck): Promise<boolean> {
    const p = await this.people.byPhone(phone);
    if (!p) return false;
    const now = this.clock.now();
    p.itinerary = check.itinerary;
    p.itineraryConsentId = check.consentId;
    p.updatedAt = now;
    p.colour = verdictOf(p, await this.areas.list(), this.rules, now).colour;
    await this.people.update(p);
    await this.audit.record({
      at: now,
      actor: 'holder',
      action: 'person.itinerary',
      subject: maskPhone(phone),
      detail: { person: p.id, consent: check.consentId, colour: p.colour },
    });
    return true;
  }

  /** The office's decision (red, yellow, or none) about one holder. */
  async decide(phone: string, colour: 'red' | 'yellow' | null, reason: string, actor: string) {
    const p = await this.mine(phone);
    p.office = colour ? { colour, reason } : null;
    const now = this.clock.now();
    p.updatedAt = now;
    p.colour = verdictOf(p, await this.areas.list(), this.rules, now).colour;
    await this.people.update(p);
    await this.audit.record({
      at: now,
      actor,
      action: 'office.decision',
      subject: maskPhone(phone),
      detail: { person: p.id, decision: colour, colour: p.colour },
    });
    return { colour: p.colour };
  }

  /** Re-evaluates every stored colour (after the area list changed). */
  async reevaluateAll(): Promise<{ people: number; changed: number }> {
    const areas = await this.areas.list();
    const now = this.clock.now();
    let after = '';
    let people = 0;
    let changed = 0;
    for (;;) {
      const page = await this.people.page(after, 500);
      if (page.length === 0) break;
      const changes = [];
      for (const p of page) {
        const c = verdictOf(p, areas, this.rules, now).colour;
        if (c !== p.colour) changes.push({ id: p.id, colour: c });
      }
      await this.people.setColours(changes);
      people += page.length;
      changed += changes.length;
      after = page[page.length - 1]!.id;
    }
    return { people, changed };
  }
}
