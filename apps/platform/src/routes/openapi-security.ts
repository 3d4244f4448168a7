// The OpenAPI document's security: the three bearer tokens of the platform
// (session, partner, admin) as schemes, so Swagger UI has an Authorize button,
// and which operations need which, decided by path in one place.
type Operation = { security?: Array<Record<string, string[]>> };
type OpenApiDoc = {
  components?: { securitySchemes?: Record<string, unknown> };
  paths?: Record<string, Record<string, Operation>>;
};

const SECURITY_SCHEMES = {
  session: {
    type: 'http',
    scheme: 'bearer',
    description: 'The session token of POST /api/v1/login (the phone owner).',
  },
  partner: {
    type: 'http',
    scheme: 'bearer',
    description: 'A partner token of POST /api/v1/partner/token (client credentials of a health-code system).',
  },
  admin: {
    type: 'http',
    scheme: 'bearer',
    description: 'The admin token (PLATFORM_ADMIN_TOKEN; printed by `itinerary-card demo`).',
  },
} as const;

/** The scheme an operation needs, or undefined when it is open. */
function schemeOf(path: string): keyof typeof SECURITY_SCHEMES | undefined {
  if (path.startsWith('/api/v1/admin/')) return 'admin';
  if (path === '/api/v1/partner/token') return undefined;
  if (path.startsWith('/api/v1/partner/')) return 'partner';
  if (path === '/api/v1/itinerary' || path === '/api/v1/logout' || path.startsWith('/api/v1/devices')) return 'session';
  return undefined;
}

/** Adds the schemes and each operation's security to an OpenAPI 3 document (@fastify/swagger's transformObject). */
export function withSecurity<T extends object>(openapiObject: T): T {
  const doc = openapiObject as OpenApiDoc;
  doc.components = { ...doc.components, securitySchemes: { ...doc.components?.securitySchemes, ...SECURITY_SCHEMES } };
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    const scheme = schemeOf(path);
    if (!scheme) continue;
    for (const op of Object.values(ops)) op.security ??= [{ [scheme]: [] }];
  }
  return openapiObject;
}
