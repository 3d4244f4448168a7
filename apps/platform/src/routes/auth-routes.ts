// Login routes (API.md): SMS code, login by code or by a remembered device,
// logout, device revocation.
import { AppError } from '@itinerary-card/domain';
import type { FastifyInstance } from 'fastify';
import type { PlatformServices } from '../platform-services.ts';
import { errorResponses } from './error-responses.ts';
import { bearerToken, phoneOrThrow } from './phone-input.ts';

const phoneBody = { type: ['string', 'number'], description: 'Mainland mobile number, e.g. 13800000001' };

export async function authRoutes(app: FastifyInstance, s: PlatformServices): Promise<void> {
  app.post<{ Body: { phone: string } }>(
    '/api/v1/sms-code',
    {
      schema: {
        tags: ['login'],
        summary: 'Send a one-time login code by SMS',
        description:
          'Sends a 6-digit code valid for 5 minutes. Resend after 60 s; at most 5 codes per hour and 10 per day per number; per-IP limits. The answer is the same whether or not the number is a subscriber.',
        body: { type: 'object', required: ['phone'], properties: { phone: phoneBody } },
        response: {
          200: { type: 'object', properties: { resendAfterSeconds: { type: 'integer' } } },
          ...errorResponses('INVALID_PHONE', 'TOO_MANY_REQUESTS', 'SMS_SEND_FAILED'),
        },
      },
    },
    async (req) => s.login.requestCode(phoneOrThrow(req.body.phone), req.ip),
  );

  app.post<{ Body: { phone: string; code?: string; deviceToken?: string; rememberDevice?: boolean } }>(
    '/api/v1/login',
    {
      schema: {
        tags: ['login'],
        summary: 'Log in with the SMS code, or with a remembered device token',
        description: [
          'First login: `{phone, code}`. Add `rememberDevice: true` to get a `deviceToken` back.',
          'Returning device ("二次登录无需验证"): `{phone, deviceToken}` skips the SMS code while the device token',
          'is valid (30 days) and not revoked (`DELETE /api/v1/devices/current` with header `X-Device-Token`,',
          'or `DELETE /api/v1/devices` for all devices of the number).',
          'A code is single-use and allows 5 checks (counted before comparing); after that it is dead and the number',
          'gets a new code after a wait that grows with each dead code of the day (1, 2, 4, 8, 15 minutes). A client',
          'address that sends 20 wrong codes in 10 minutes waits 1 minute, doubling with each further lock that day (up',
          'to an hour). TOO_MANY_ATTEMPTS and TOO_MANY_REQUESTS carry `retryAfterSeconds` (and Retry-After); CODE_INVALID',
          'carries `attemptsLeft`. Nothing locks a number for the day.',
        ].join(' '),
        body: {
          type: 'object',
          required: ['phone'],
          properties: {
            phone: phoneBody,
            code: { type: 'string', maxLength: 16 },
            deviceToken: { type: 'string', maxLength: 128 },
            rememberDevice: { type: 'boolean' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { token: { type: 'string' }, expiresAt: { type: 'string' }, deviceToken: { type: 'string' } },
          },
          ...errorResponses('CODE_INVALID', 'TOO_MANY_ATTEMPTS', 'INVALID_PHONE', 'BAD_REQUEST'),
        },
      },
    },
    async (req) => {
      const msisdn = phoneOrThrow(req.body.phone);
      if (req.body.code !== undefined) {
        return s.login.loginWithCode(msisdn, req.body.code, req.ip, req.body.rememberDevice === true);
      }
      if (req.body.deviceToken !== undefined) return s.login.loginWithDevice(msisdn, req.body.deviceToken, req.ip);
      throw new AppError('BAD_REQUEST', { field: 'code' });
    },
  );

  app.post(
    '/api/v1/logout',
    {
      schema: {
        tags: ['login'],
        summary: 'End the session and forget the device it came from',
        description:
          'Ends the session of the bearer token and forgets the remembered device the session was opened with or by, and the device of the optional `X-Device-Token` header: either needs the SMS code again. Neither has to be still valid (204 either way), so a page whose session has expired can still forget its device.',
        headers: { type: 'object', properties: { 'x-device-token': { type: 'string', maxLength: 128 } } },
      },
    },
    async (req, reply) => {
      const device = req.headers['x-device-token'];
      await s.login.logout(bearerToken(req.headers.authorization), typeof device === 'string' ? device : undefined);
      return reply.status(204).send();
    },
  );

  app.delete(
    '/api/v1/devices/current',
    {
      schema: {
        tags: ['login'],
        summary: 'Forget this device: its device token stops skipping the SMS code',
        headers: { type: 'object', required: ['x-device-token'], properties: { 'x-device-token': { type: 'string' } } },
      },
    },
    async (req, reply) => {
      await s.login.sessionNumber(bearerToken(req.headers.authorization));
      await s.login.revokeDevice(String(req.headers['x-device-token']));
      return reply.status(204).send();
    },
  );

  app.delete(
    '/api/v1/devices',
    {
      schema: {
        tags: ['login'],
        summary: 'Forget every remembered device of the logged-in number and end all its sessions',
      },
    },
    async (req, reply) => {
      const msisdn = await s.login.sessionNumber(bearerToken(req.headers.authorization));
      await s.login.revokeAllDevices(msisdn);
      return reply.status(204).send();
    },
  );
}
