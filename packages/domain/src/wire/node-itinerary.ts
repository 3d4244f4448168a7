// What an operator node answers the platform for one number (the node's internal
// GET /internal/v1/itinerary/:msisdn), written once: the node's route schema and
// the type the snapshot, the node and the platform's node client share.
import * as Type from 'typebox/type';

export const NodeItinerarySchema = Type.Object({
  msisdn: Type.String(),
  status: Type.Enum(['ok', 'no_data', 'new_subscriber'], { type: 'string' }),
  days: Type.Unsafe<7 | 14>({ type: 'integer', enum: [7, 14] }),
  date: Type.String({ description: 'The query day D (YYYY-MM-DD, Beijing): the window is [D-days, D)' }),
  windowStart: Type.String(),
  windowEnd: Type.String(),
  updatedAt: Type.String({ description: 'When the snapshot that gave this answer was published' }),
  cities: Type.Array(Type.String()),
  countries: Type.Array(Type.String()),
  kind: Type.Enum(['normal', 'mvno', 'secondary'], { type: 'string' }),
  primaryMsisdn: Type.Optional(
    Type.String({ description: 'The number whose itinerary this is, when `msisdn` is a secondary number' }),
  ),
  portedAt: Type.Optional(Type.String({ description: 'Date the number was ported in, if any (YYYY-MM-DD)' })),
});

export type NodeItinerary = Type.Static<typeof NodeItinerarySchema>;
