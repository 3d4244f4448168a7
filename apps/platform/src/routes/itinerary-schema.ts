// JSON schema of the itinerary answer (API.md plus extensions), shared by the
// owner and partner routes; it also makes serialisation fast.
export const itineraryAnswerSchema = {
  type: 'object',
  required: ['phone', 'updatedAt', 'windowDays', 'windowStart', 'windowEnd', 'cities', 'countries', 'notes'],
  properties: {
    phone: { type: 'string', description: 'Masked number, 138****0001' },
    updatedAt: { type: 'string', description: 'When the result was published (update time), +08:00' },
    windowDays: { type: 'integer' },
    windowStart: { type: 'string' },
    windowEnd: { type: 'string' },
    cities: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          code: { type: 'string' },
          province: { type: 'string' },
          city: { type: 'string' },
          risk: { type: 'boolean', description: 'Marked with * : the city currently contains a medium/high-risk area' },
        },
      },
    },
    countries: {
      type: 'array',
      items: { type: 'object', properties: { code: { type: 'string' }, name: { type: 'string' } } },
    },
    notes: { type: 'array', items: { type: 'string' } },
    cardColor: { type: 'string', enum: ['green', 'yellow'] },
    date: { type: 'string', description: 'Query day D: the window is [D-N, D)' },
    riskFootnote: { type: 'string' },
    disclaimer: { type: 'string' },
  },
} as const;
