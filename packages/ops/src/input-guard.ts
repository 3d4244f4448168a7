// Text with a NUL character cannot be stored (PostgreSQL refuses it: "invalid
// byte sequence"), and no field of ours has a use for one: a request carrying
// one in its body, query or path is refused at the door with BAD_REQUEST,
// rather than failing with a 500 wherever the text reaches the database.
import { AppError } from '@itinerary-card/domain';
import type { FastifyInstance } from 'fastify';

/** True when `v` (a parsed body: string, array or plain object) holds a NUL anywhere, keys included. */
function hasNul(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return v.includes('\0');
  if (v === null || typeof v !== 'object' || depth > 64) return false;
  if (Array.isArray(v)) return v.some((x) => hasNul(x, depth + 1));
  for (const [k, x] of Object.entries(v)) if (k.includes('\0') || hasNul(x, depth + 1)) return true;
  return false;
}

/** Refuses NUL characters in the URL (%00) and the body of every request of `app`. */
export function installInputGuard(app: FastifyInstance): void {
  const nul = () => new AppError('BAD_REQUEST', { detail: 'text must not contain NUL characters' });
  app.addHook('onRequest', (req, _reply, done) => {
    done(/%00|\0/.test(req.url) ? nul() : undefined);
  });
  app.addHook('preValidation', (req, _reply, done) => {
    done(req.body !== undefined && hasNul(req.body) ? nul() : undefined);
  });
}
