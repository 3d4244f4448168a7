// The result card as people knew it: masked number, update time, the big
// coloured badge and headline, a live Beijing clock, the places, footnotes.
import { formatBeijingDisplay } from '@itinerary-card/domain';
import type { ItineraryAnswer } from '@itinerary-card/domain/wire';
import { beijingParts, startTicking } from '../shared/beijing-clock.ts';
import { h } from '../shared/h.ts';
import type { Lang } from '../shared/lang.ts';
import { TEXTS } from './card-texts.ts';
import { type CardColour, cardColour, noteTexts, placeName } from './itinerary-answer.ts';

export interface ResultHandlers {
  refresh(): void;
  logout(): void;
}

export interface RenderedResult {
  el: HTMLElement;
  stop(): void;
}

function badge(colour: CardColour): SVGSVGElement {
  // A check (green) or an exclamation mark in a circle with a rotating dashed
  // ring: the animated element.
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 120 120');
  svg.setAttribute('class', 'badge-svg');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const ring = document.createElementNS(ns, 'circle');
  for (const [k, v] of Object.entries({ cx: '60', cy: '60', r: '56', class: 'badge-ring' })) ring.setAttribute(k, v);
  const disc = document.createElementNS(ns, 'circle');
  for (const [k, v] of Object.entries({ cx: '60', cy: '60', r: '46', class: 'badge-disc' })) disc.setAttribute(k, v);
  const mark = document.createElementNS(ns, 'path');
  mark.setAttribute('d', colour === 'green' ? 'M38 62 L53 77 L84 44' : 'M60 34 L60 68 M60 86 L60 87');
  mark.setAttribute('class', 'badge-mark');
  svg.append(ring, disc, mark);
  return svg;
}

function windowText(a: ItineraryAnswer, lang: Lang): string | undefined {
  const start = Date.parse(a.windowStart);
  const end = Date.parse(a.windowEnd);
  if (!Number.isFinite(start) || !Number.isFinite(end)) return undefined;
  return TEXTS[lang].window(beijingParts(start).date, beijingParts(end - 1).date);
}

/** Each place whole (扬州市 never breaks as 扬州/市): lines break only between places. */
function placeNodes(places: string[], sep: string, none: string): Array<Node | string> {
  if (places.length === 0) return [none];
  return places.flatMap((name, i) => [...(i > 0 ? [sep] : []), h('span', { class: 'place' }, name)]);
}

export function renderResult(a: ItineraryAnswer, lang: Lang, on: ResultHandlers): RenderedResult {
  const t = TEXTS[lang];
  const colour = cardColour(a);
  const days = a.windowDays || 7;
  const updated = Date.parse(a.updatedAt);
  // Names come from the platform in the page's language (English: pinyin cities, official provinces).
  const places = [...a.cities.map((c) => placeName(c, lang)), ...a.countries.map((c) => c.name || c.code)];
  const anyRisk = a.cities.some((c) => c.risk);
  const clockDate = h('span', { class: 'clock-date' });
  const clockTime = h('span', { class: 'clock-time', id: 'clock-time' });
  const sep = lang === 'en' ? '; ' : '，';

  const card = h(
    'section',
    { class: `card card-${colour}`, id: 'card', 'aria-labelledby': 'card-headline', 'data-colour': colour },
    h('p', { class: 'card-phone', id: 'card-phone' }, t.cardOf(a.phone)),
    h(
      'p',
      { class: 'card-updated', id: 'card-updated' },
      t.updatedAt,
      Number.isFinite(updated) ? formatBeijingDisplay(updated) : a.updatedAt,
    ),
    h('div', { class: 'badge' }, badge(colour)),
    h('h2', { class: 'card-headline', id: 'card-headline', tabindex: -1 }, t.headline[colour]),
    // The places come before the clock, so a 320 px phone shows them on the first screen.
    h(
      'div',
      { class: 'places' },
      h('p', { class: 'places-label' }, t.visited(days)),
      h('p', { class: 'places-list', id: 'places' }, ...placeNodes(places, sep, t.none)),
    ),
    h('p', { class: 'clock', role: 'timer' }, h('span', { class: 'clock-label' }, t.clockLabel), clockDate, clockTime),
    anyRisk ? h('p', { class: 'footnote', id: 'risk-footnote' }, a.riskFootnote || t.riskFootnote) : null,
    ...noteTexts(a).map((n) => h('p', { class: 'footnote card-note' }, n)),
    h('p', { class: 'footnote' }, t.scope(days)),
    a.disclaimer ? h('p', { class: 'footnote', id: 'disclaimer' }, a.disclaimer) : null,
    h('p', { class: 'footnote', id: 'colour-note' }, t.colourNote),
    (() => {
      const w = windowText(a, lang);
      return w ? h('p', { class: 'footnote' }, w) : null;
    })(),
  );
  const actions = h(
    'div',
    { class: 'actions' },
    h('button', { type: 'button', class: 'btn', id: 'refresh', onclick: () => on.refresh() }, t.refresh),
    h('button', { type: 'button', class: 'btn', id: 'logout', onclick: () => on.logout() }, t.logout),
  );
  const stop = startTicking((p) => {
    clockDate.textContent = p.date;
    clockTime.textContent = p.time;
  });
  return { el: h('div', { class: 'result' }, card, actions), stop };
}
