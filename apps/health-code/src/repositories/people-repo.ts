// People who hold a health code: what they declared, the last authorised
// itinerary, and the office's decision.
import type { Sql } from '@itinerary-card/store';
import type { Colour } from '../rules/colour-rules.ts';
import type { ItinerarySummary } from '../rules/epidemic-areas.ts';
import { BatchedLookup } from './batched-lookup.ts';

export interface Person {
  id: string;
  phone: string;
  name: string;
  idNumber: string;
  address: string;
  declaredSojourn: boolean;
  symptoms: boolean;
  closeContact: boolean;
  itinerary: ItinerarySummary | null;
  itineraryConsentId: string | null;
  office: { colour: 'red' | 'yellow'; reason: string } | null;
  colour: Colour;
  createdAt: number;
  updatedAt: number;
  /** Registered by the phone for someone else (代申领); the ID's owner can claim it. */
  proxy?: boolean;
}

interface Row {
  id: string;
  phone: string;
  name: string;
  id_number: string;
  address: string;
  declared_sojourn: boolean;
  symptoms: boolean;
  close_contact: boolean;
  itinerary: ItinerarySummary | string | null;
  itinerary_consent_id: string | null;
  office_colour: 'red' | 'yellow' | null;
  office_reason: string | null;
  colour: Colour;
  created_at: Date;
  updated_at: Date;
  proxy: boolean;
}

/** What a colour is evaluated from: the check-in answer reads only this. */
export type ColourBasis = Pick<Person, 'declaredSojourn' | 'symptoms' | 'closeContact' | 'itinerary' | 'office'>;

type BasisRow = Pick<
  Row,
  'phone' | 'declared_sojourn' | 'symptoms' | 'close_contact' | 'itinerary' | 'office_colour' | 'office_reason'
>;

const BASIS_COLS = 'phone, declared_sojourn, symptoms, close_contact, itinerary, office_colour, office_reason';

const COLS =
  'id, phone, name, id_number, address, declared_sojourn, symptoms, close_contact, itinerary, itinerary_consent_id, office_colour, office_reason, colour, created_at, updated_at, proxy';

function toPerson(r: Row): Person {
  return {
    id: r.id,
    phone: r.phone,
    name: r.name,
    idNumber: r.id_number,
    address: r.address,
    declaredSojourn: r.declared_sojourn,
    symptoms: r.symptoms,
    closeContact: r.close_contact,
    itinerary: typeof r.itinerary === 'string' ? (JSON.parse(r.itinerary) as ItinerarySummary) : r.itinerary,
    itineraryConsentId: r.itinerary_consent_id,
    office: r.office_colour ? { colour: r.office_colour, reason: r.office_reason ?? '' } : null,
    colour: r.colour,
    createdAt: new Date(r.created_at).getTime(),
    updatedAt: new Date(r.updated_at).getTime(),
    proxy: r.proxy === true,
  };
}

function toBasis(r: BasisRow): ColourBasis {
  return {
    declaredSojourn: r.declared_sojourn,
    symptoms: r.symptoms,
    closeContact: r.close_contact,
    itinerary: typeof r.itinerary === 'string' ? (JSON.parse(r.itinerary) as ItinerarySummary) : r.itinerary,
    office: r.office_colour ? { colour: r.office_colour, reason: r.office_reason ?? '' } : null,
  };
}

export class PeopleRepo {
  /** Logins and check-ins without a person in the session read the holder by phone: grouped reads. */
  private readonly phoneReads: BatchedLookup<string, Row>;
  /**
   * Every check-in reads its holder's colour basis by phone (the colour the guard sees):
   * grouped reads of the few columns it needs (no names, no timestamps to parse).
   */
  private readonly basisReads: BatchedLookup<string, BasisRow>;

  /** `groupSpacingMs`: least ms between two grouped reads of a kind (0: back to back). */
  constructor(
    private readonly sql: Sql,
    groupSpacingMs = 0,
  ) {
    this.phoneReads = new BatchedLookup({
      load: (phones) =>
        this.sql.query<Row>(`SELECT ${COLS} FROM hc_people WHERE phone = ANY($1::text[])`, [phones], { prepare: true }),
      keyOf: (r) => r.phone,
      spacingMs: groupSpacingMs,
    });
    this.basisReads = new BatchedLookup({
      load: (phones) =>
        this.sql.query<BasisRow>(`SELECT ${BASIS_COLS} FROM hc_people WHERE phone = ANY($1::text[])`, [phones], {
          prepare: true,
        }),
      keyOf: (r) => r.phone,
      spacingMs: groupSpacingMs,
    });
  }

  /** What the colour of the holder of `phone` is evaluated from, read as it is now. */
  async colourBasis(phone: string): Promise<ColourBasis | undefined> {
    const row = await this.basisReads.get(phone);
    return row ? toBasis(row) : undefined;
  }

  async byPhone(phone: string): Promise<Person | undefined> {
    const row = await this.phoneReads.get(phone);
    return row ? toPerson(row) : undefined;
  }

  async byIdNumber(idNumber: string): Promise<Person | undefined> {
    const rows = await this.sql.query<Row>(`SELECT ${COLS} FROM hc_people WHERE id_number = $1`, [idNumber]);
    return rows[0] ? toPerson(rows[0]) : undefined;
  }

  async insert(p: Person): Promise<void> {
    await this.sql.query(
      `INSERT INTO hc_people (${COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)`,
      [
        p.id,
        p.phone,
        p.name,
        p.idNumber,
        p.address,
        p.declaredSojourn,
        p.symptoms,
        p.closeContact,
        p.itinerary ? JSON.stringify(p.itinerary) : null,
        p.itineraryConsentId,
        p.office?.colour ?? null,
        p.office?.reason ?? null,
        p.colour,
        new Date(p.createdAt),
        new Date(p.updatedAt),
        p.proxy === true,
      ],
    );
  }

  /**
   * Moves a registration to the phone that claimed it, with the claimant's answers,
   * and keeps the move; false when it no longer belongs to `fromPhone` (a claim raced).
   */
  async claim(p: Person, fromPhone: string, at: number): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const rows = await tx.query(
        `UPDATE hc_people SET phone=$2, name=$3, address=$4, declared_sojourn=$5, symptoms=$6, close_contact=$7,
           itinerary=$8, itinerary_consent_id=$9, colour=$10, updated_at=$11, proxy=$12 WHERE id=$1 AND phone=$13 RETURNING id`,
        [
          p.id,
          p.phone,
          p.name,
          p.address,
          p.declaredSojourn,
          p.symptoms,
          p.closeContact,
          p.itinerary ? JSON.stringify(p.itinerary) : null,
          p.itineraryConsentId,
          p.colour,
          new Date(p.updatedAt),
          p.proxy === true,
          fromPhone,
        ],
      );
      if (rows.length === 0) return false;
      await tx.query('INSERT INTO hc_claims (person_id, from_phone, to_phone, at) VALUES ($1,$2,$3,$4)', [
        p.id,
        fromPhone,
        p.phone,
        new Date(at),
      ]);
      return true;
    });
  }

  async claimsSince(personId: string, since: number): Promise<number> {
    const r = await this.sql.query<{ n: string | number }>(
      'SELECT count(*) AS n FROM hc_claims WHERE person_id = $1 AND at >= $2',
      [personId, new Date(since)],
    );
    return Number(r[0]?.n ?? 0);
  }

  async update(p: Person): Promise<void> {
    await this.sql.query(
      `UPDATE hc_people SET name=$2, id_number=$3, address=$4, declared_sojourn=$5, symptoms=$6, close_contact=$7,
         itinerary=$8, itinerary_consent_id=$9, office_colour=$10, office_reason=$11, colour=$12, updated_at=$13 WHERE id=$1`,
      [
        p.id,
        p.name,
        p.idNumber,
        p.address,
        p.declaredSojourn,
        p.symptoms,
        p.closeContact,
        p.itinerary ? JSON.stringify(p.itinerary) : null,
        p.itineraryConsentId,
        p.office?.colour ?? null,
        p.office?.reason ?? null,
        p.colour,
        new Date(p.updatedAt),
      ],
    );
  }

  /** Pages through everyone (for re-evaluation after the area list changes). */
  async page(afterId: string, limit: number): Promise<Person[]> {
    const rows = await this.sql.query<Row>(`SELECT ${COLS} FROM hc_people WHERE id > $1 ORDER BY id LIMIT $2`, [
      afterId,
      limit,
    ]);
    return rows.map(toPerson);
  }

  async setColours(changes: Array<{ id: string; colour: Colour }>): Promise<void> {
    if (changes.length === 0) return;
    await this.sql.query(
      'UPDATE hc_people p SET colour = c.colour FROM unnest($1::text[], $2::text[]) AS c(id, colour) WHERE p.id = c.id',
      [changes.map((c) => c.id), changes.map((c) => c.colour)],
    );
  }
}
