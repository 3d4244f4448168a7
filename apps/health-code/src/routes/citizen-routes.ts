// Routes of the holder: login, registration and edits with the embedded itinerary
// module, the personal code, venues and their posters, scan and punch.
import { AppError, maskPhone } from '@itinerary-card/domain';
import { isStorageUnavailable, type KeyValue } from '@itinerary-card/store';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { maskName } from '../rules/id-card.ts';
import type { AuthService, Session } from '../services/auth-service.ts';
import type { CheckinService } from '../services/checkin-service.ts';
import type { CheckinThrottle } from '../services/checkin-throttle.ts';
import type { CheckPurpose, ItineraryCheckService } from '../services/itinerary-check.ts';
import type { PersonInput, PersonService } from '../services/person-service.ts';
import type { VenueService } from '../services/venue-service.ts';

export interface CitizenDeps {
  auth: AuthService;
  people: PersonService;
  checks: ItineraryCheckService;
  venues: VenueService;
  checkins: CheckinService;
  throttle: CheckinThrottle;
  personOf(phone: string): Promise<Session>;
  /** The person a session acts for was claimed by another phone since it was opened. */
  holderChanged(personId: string, phone: string): Promise<boolean>;
  kv: KeyValue;
}

const ID_CHECKS_PER_WINDOW = 10;
const ID_CHECK_WINDOW_MS = 3_600_000;

const phoneBody = {
  type: 'object',
  required: ['phone'],
  properties: { phone: { type: ['string', 'number'] } },
} as const;
const personBody = {
  type: 'object',
  required: ['name', 'idNumber', 'address', 'epidemicSojourn', 'symptoms', 'closeContact'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 60 },
    idNumber: { type: 'string', maxLength: 30 },
    address: { type: 'string', maxLength: 400 },
    epidemicSojourn: { type: 'boolean' },
    symptoms: { type: 'boolean' },
    closeContact: { type: 'boolean' },
    itineraryCheckId: { type: 'string', maxLength: 64 },
    forOther: { type: 'boolean' },
  },
} as const;
const { forOther: _forOther, ...editProps } = personBody.properties;
const editBody = {
  ...personBody,
  properties: editProps,
  required: personBody.required.filter((f) => f !== 'idNumber'),
};

export async function citizenRoutes(app: FastifyInstance, d: CitizenDeps): Promise<void> {
  const sessionOf = (req: FastifyRequest) => d.auth.session(req.headers.authorization);

  app.post('/api/hc/v1/sms-code', { schema: { body: phoneBody } }, async (req) =>
    d.auth.sendCode((req.body as { phone: string }).phone, req.ip),
  );

  app.post(
    '/api/hc/v1/login',
    {
      schema: {
        body: {
          type: 'object',
          required: ['phone', 'code'],
          properties: { phone: { type: ['string', 'number'] }, code: { type: 'string', maxLength: 12 } },
        },
      },
    },
    async (req) => {
      const b = req.body as { phone: string; code: string };
      const r = await d.auth.login(b.phone, b.code, req.ip, d.personOf);
      req.log.info({ phone: maskPhone(r.session.phone) }, 'login');
      return {
        token: r.token,
        expiresAt: new Date(r.expiresAt).toISOString(),
        phone: maskPhone(r.session.phone),
        registered: Boolean(r.session.personId),
      };
    },
  );

  // Ends this session on every replica at once (sessions live only in the store); 204 even when already ended.
  app.post('/api/hc/v1/logout', async (req, reply) => {
    await d.auth.logout(req.headers.authorization);
    return reply.status(204).send();
  });

  app.get('/api/hc/v1/me', async (req) => d.people.profile((await sessionOf(req)).session.phone));

  const purposeProp = { type: 'string', enum: ['register', 'edit', 'checkin'] } as const;

  // Step 1 of the authorisation: the platform texts the holder a code naming this system and the purpose.
  app.post(
    '/api/hc/v1/itinerary-checks/sms-code',
    { schema: { body: { type: 'object', required: ['purpose'], properties: { purpose: purposeProp } } } },
    async (req) => {
      const { session } = await sessionOf(req);
      const r = await d.checks.requestCode(session.phone, (req.body as { purpose: CheckPurpose }).purpose);
      return { requestId: r.requestId, resendAfterSeconds: r.resendAfterSeconds, phone: maskPhone(session.phone) };
    },
  );

  // Step 2: the holder's code proves the authorisation; the itinerary is read under it.
  app.post(
    '/api/hc/v1/itinerary-checks',
    {
      schema: {
        body: {
          type: 'object',
          required: ['authorised', 'purpose'],
          properties: {
            authorised: { type: 'boolean' },
            purpose: purposeProp,
            requestId: { type: 'string', maxLength: 64 },
            smsCode: { type: 'string', maxLength: 12 },
          },
        },
      },
    },
    async (req) => {
      const { session } = await sessionOf(req);
      const b = req.body as { authorised: boolean; purpose: CheckPurpose; requestId?: string; smsCode?: string };
      const proof = b.requestId && b.smsCode ? { requestId: b.requestId, code: b.smsCode } : undefined;
      const c = await d.checks.check(session.phone, b.purpose, b.authorised, proof);
      // At a check-in there is no form to submit: the result is the code's evidence at once,
      // and the answer carries the colour it gives so the page in front of the guard follows.
      let holder: Awaited<ReturnType<PersonService['current']>> | undefined;
      if (b.purpose === 'checkin' && (await d.people.adoptCheck(session.phone, c))) {
        holder = await d.people.current(session.phone);
      }
      return {
        ...(holder ? { holder } : {}),
        checkId: c.checkId,
        phone: maskPhone(c.phone),
        windowDays: 14,
        ...c.itinerary,
        epidemicSojourn: c.epidemicSojourn,
        hits: c.hits.map((h) => ({ areaName: h.areaName, place: h.place })),
      };
    },
  );

  app.post('/api/hc/v1/registrations', { schema: { body: personBody } }, async (req, reply) => {
    const { token, session } = await sessionOf(req);
    const p = await d.people.register(session.phone, req.body as PersonInput);
    await d.auth.updateSession(token, { phone: session.phone, personId: p.id, maskedName: maskName(p.name) });
    void reply.status(201);
    return d.people.profileOf(p);
  });

  app.post(
    '/api/hc/v1/registrations/id-check',
    {
      schema: {
        body: { type: 'object', required: ['idNumber'], properties: { idNumber: { type: 'string', maxLength: 30 } } },
      },
    },
    async (req) => {
      const { token, session } = await sessionOf(req);
      // As many as a person filling in a form needs, not enough to walk through ID numbers.
      const key = `hc:idchk:${token}`;
      if ((await d.kv.incr(key, ID_CHECK_WINDOW_MS)) > ID_CHECKS_PER_WINDOW) {
        throw new AppError('TOO_MANY_REQUESTS', {
          retryAfterSeconds: Math.max(1, Math.ceil((await d.kv.ttl(key)) / 1000)),
        });
      }
      await d.people.precheckId(session.phone, (req.body as { idNumber: string }).idNumber);
      return { ok: true };
    },
  );

  app.put('/api/hc/v1/me', { schema: { body: editBody } }, async (req) => {
    const { token, session } = await sessionOf(req);
    const p = await d.people.edit(session.phone, req.body as PersonInput);
    await d.auth.updateSession(token, { phone: session.phone, personId: p.id, maskedName: maskName(p.name) });
    return d.people.profile(session.phone);
  });

  app.get('/api/hc/v1/me/code', async (req, reply) => {
    void reply.header('cache-control', 'no-store');
    return d.people.code((await sessionOf(req)).session.phone);
  });

  app.post(
    '/api/hc/v1/checkins',
    {
      // The hot path (a city's peak is thousands a second): no request and response lines at info,
      // each a write to the log; the check-in's row is its record, and warnings and errors are logged.
      logLevel: 'warn',
      schema: {
        body: { type: 'object', required: ['code'], properties: { code: { type: 'string', maxLength: 2000 } } },
      },
    },
    async (req, reply) => {
      const { token, session } = await sessionOf(req);
      let s = session;
      // The throttle's counters and the claim marker are asked for together (one round trip to Redis).
      const [, changed] = await Promise.all([
        d.throttle.hit(session.phone, req.ip),
        s.personId ? d.holderChanged(s.personId, s.phone) : false,
      ]);
      if (changed) s = { phone: s.phone };
      if (!s.personId) {
        s = await d.personOf(session.phone);
        if (!s.personId) throw new AppError('NOT_REGISTERED');
        await d.auth.updateSession(token, s);
      }
      // The guard looks at the phone: the answer carries the holder's colour as it is now, read
      // while the check-in commits (the check-in does not change it). In a storage outage the
      // check-in is still taken (spooled) and the colour is said to be unknown (null), never
      // guessed from an older one.
      const colour = d.people.current(s.phone).then(
        (v) => ({ v }),
        (e: unknown) => ({ e }),
      );
      const r = await d.checkins.punch(s.personId!, (req.body as { code: string }).code);
      const read = await colour;
      let now: Awaited<ReturnType<PersonService['current']>> | { colour: null; reasons: []; itineraryVerified: null };
      if ('v' in read) now = read.v;
      else {
        if (!isStorageUnavailable(read.e)) throw read.e;
        req.log.warn({ err: read.e }, 'check-in taken, colour unavailable');
        now = { colour: null, reasons: [], itineraryVerified: null };
      }
      void reply.status(201);
      return {
        venue: r.venue,
        at: r.at,
        colour: now.colour,
        reasons: now.reasons,
        itineraryVerified: now.itineraryVerified,
        maskedName: s.maskedName,
        phone: maskPhone(s.phone),
      };
    },
  );

  app.post(
    '/api/hc/v1/venues',
    {
      schema: {
        body: {
          type: 'object',
          required: ['kind', 'name', 'address'],
          properties: {
            kind: { type: 'string' },
            name: { type: 'string', maxLength: 80 },
            address: { type: 'string', maxLength: 400 },
          },
        },
      },
    },
    async (req, reply) => {
      const { session } = await sessionOf(req);
      void reply.status(201);
      return d.venues.register(session.phone, req.body as { kind: string; name: string; address: string });
    },
  );

  app.get('/api/hc/v1/venues', async (req) => ({ venues: await d.venues.mine((await sessionOf(req)).session.phone) }));

  app.post('/api/hc/v1/venues/:id/reprinted', async (req) => {
    const { session } = await sessionOf(req);
    return d.venues.reprinted((req.params as { id: string }).id, session.phone);
  });

  app.get('/api/hc/v1/venues/:id/poster.png', async (req, reply) => {
    const { session } = await sessionOf(req);
    const png = await d.venues.posterPng((req.params as { id: string }).id, session.phone);
    void reply
      .type('image/png')
      .header('content-disposition', `attachment; filename="venue-${(req.params as { id: string }).id}.png"`);
    return png;
  });

  app.get('/api/hc/v1/venues/:id/poster.pdf', async (req, reply) => {
    const { session } = await sessionOf(req);
    const pdf = await d.venues.posterPdf((req.params as { id: string }).id, session.phone);
    void reply
      .type('application/pdf')
      .header('content-disposition', `attachment; filename="venue-${(req.params as { id: string }).id}.pdf"`);
    return pdf;
  });
}
