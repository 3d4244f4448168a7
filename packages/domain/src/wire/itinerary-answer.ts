// The itinerary answer of GET /api/v1/itinerary and the partner API (API.md, plus
// the extensions cardColor, date, riskFootnote, disclaimer), written once: the
// platform's route schema (validation, serialisation, OpenAPI), the type the
// service composes, and the check the health-code system and the card page run
// on what they receive (is-itinerary-answer.ts).
// The builders one by one ('typebox/type', not 'typebox'): a page that imports
// this schema bundles only those it uses (a few KB, not the whole TypeBox).
import * as Type from 'typebox/type';

const City = Type.Object({
  code: Type.String(),
  province: Type.String(),
  city: Type.String(),
  risk: Type.Boolean({ description: 'Marked with * : the city currently contains a medium/high-risk area' }),
});

const Country = Type.Object({ code: Type.String(), name: Type.String() });

export const ItineraryAnswerSchema = Type.Object({
  phone: Type.String({ description: 'Masked number, 138****0001' }),
  updatedAt: Type.String({ description: 'When the result was published (update time), +08:00' }),
  windowDays: Type.Integer(),
  windowStart: Type.String(),
  windowEnd: Type.String(),
  cities: Type.Array(City),
  countries: Type.Array(Country),
  notes: Type.Array(Type.String()),
  cardColor: Type.Optional(Type.Enum(['green', 'yellow'], { type: 'string' })),
  date: Type.Optional(Type.String({ description: 'Query day D: the window is [D-N, D)' })),
  riskFootnote: Type.Optional(Type.String()),
  disclaimer: Type.Optional(Type.String()),
});

export type ItineraryAnswer = Type.Static<typeof ItineraryAnswerSchema>;
export type ItineraryCity = Type.Static<typeof City>;
