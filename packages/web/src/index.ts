// Node side of the web package: where the built pages are, for the apps that serve them.
import { resolve } from 'node:path';

/** Absolute path of the Vite build output (`npm run build -w @itinerary-card/web`). */
export const webDistDir: string = resolve(import.meta.dirname, '..', 'dist');

/** The page groups under webDistDir: each is a folder of HTML pages; their assets are in `assets/`. */
const WEB_GROUPS = ['card', 'health', 'ops'] as const;
export type WebGroup = (typeof WEB_GROUPS)[number];
