// The H5 pages built by packages/web into dist/: `/` is the card, `/help` its
// help page, `/assets/*` the bundles, `/favicon.ico` the site icon. Read at
// request time, so a later build is picked up; without a build `/` says how to
// make one.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const NOT_BUILT = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>通信行程卡</title>
<body><h1>通信行程卡</h1><p>The web pages are not built yet (packages/web/dist is missing).
Run <code>npm run build -w @itinerary-card/web</code>. The API is up: see <a href="/docs">/docs</a>.</p></body></html>`;

export async function webRoutes(app: FastifyInstance, dist: string): Promise<void> {
  const page = (file: string, fallback?: string) => async (_req: unknown, reply: import('fastify').FastifyReply) => {
    const path = join(dist, file);
    if (existsSync(path)) return reply.type('text/html; charset=utf-8').send(await readFile(path));
    if (fallback !== undefined) return reply.type('text/html; charset=utf-8').send(fallback);
    return reply.callNotFound();
  };
  app.get('/', { schema: { hide: true } }, page('card/index.html', NOT_BUILT));
  app.get('/help', { schema: { hide: true } }, page('card/help.html'));
  app.get('/favicon.ico', { schema: { hide: true } }, async (_req, reply) => {
    const path = join(dist, 'favicon.ico');
    if (!existsSync(path)) return reply.callNotFound();
    return reply
      .type('image/x-icon')
      .header('cache-control', 'public, max-age=86400')
      .send(await readFile(path));
  });
  const assets = join(dist, 'assets');
  if (existsSync(assets)) {
    await app.register(fastifyStatic, { root: assets, prefix: '/assets/', decorateReply: false, maxAge: 3_600_000 });
  }
}
