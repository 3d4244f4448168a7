// Contrast of every visible text against what is painted behind it (WCAG AA: 4.5:1,
// 3:1 for large text), including a moving layer such as the check-in result's sweep
// at its strongest: axe-core leaves text over gradients and animations undecided.
import type { Page } from 'playwright-core';

/** The texts below WCAG AA, as `text: ratio`, each at its worst moment. */
export function textContrastFailures(page: Page): Promise<string[]> {
  return page.evaluate(inPage);
}

/** Runs in the page: self-contained, serialised by playwright. */
function inPage(): string[] {
  type Rgba = [number, number, number, number];
  const parse = (c: string): Rgba => {
    const n = (c.match(/[\d.]+/g) ?? []).map(Number);
    return [n[0] ?? 0, n[1] ?? 0, n[2] ?? 0, n.length > 3 ? n[3]! : 1];
  };
  const over = (top: Rgba, under: Rgba): Rgba => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i]! * a + under[i]! * (1 - a)).concat(1) as Rgba;
  };
  const lum = (c: Rgba) => {
    const f = (v: number) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a: Rgba, b: Rgba) => {
    const [x, y] = [lum(a), lum(b)];
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  };
  // Layers that move over part of an element: absolutely placed, painted with a gradient.
  const movers = [...document.querySelectorAll<HTMLElement>('body *')].flatMap((el) => {
    const st = getComputedStyle(el);
    if (st.position !== 'absolute' || !st.backgroundImage.includes('gradient') || !el.parentElement) return [];
    const colours = (st.backgroundImage.match(/rgba?\([^)]*\)/g) ?? []).map(parse).filter((c) => c[3] > 0);
    return colours.length ? [{ parent: el.parentElement, colours }] : [];
  });
  /** What is painted behind `el`: as it is, and with each colour of each mover over its parent. */
  const backgrounds = (el: Element): Rgba[] => {
    // From the element up to the first opaque background, bottom first.
    const chain: Array<{ el: Element; c: Rgba }> = [];
    for (let e: Element | null = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      chain.unshift({ el: e, c });
      if (c[3] === 1) break;
    }
    // A mover paints just above its parent's own background, under anything inside it.
    const paint = (mover?: { parent: Element; c: Rgba }) => {
      let bg: Rgba = [255, 255, 255, 1];
      for (const l of chain) {
        if (l.c[3] > 0) bg = over(l.c, bg);
        if (mover && l.el === mover.parent) bg = over(mover.c, bg);
      }
      return bg;
    };
    const out = [paint()];
    for (const m of movers)
      if (chain.some((l) => l.el === m.parent)) for (const c of m.colours) out.push(paint({ parent: m.parent, c }));
    return out;
  };
  const out: string[] = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.textContent?.trim() || el.closest('[hidden], noscript, dialog:not([open]), [aria-hidden="true"]'))
      continue;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || st.display === 'none' || el.getClientRects().length === 0) continue;
    if (el.closest('.visually-hidden')) continue;
    const fg = parse(st.color);
    const size = Number.parseFloat(st.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
    const worst = Math.min(...backgrounds(el).map((bg) => ratio(fg[3] === 1 ? fg : over(fg, bg), bg)));
    if (worst < (large ? 3 : 4.5)) out.push(`${n.textContent.trim().slice(0, 20)}: ${worst.toFixed(2)}`);
  }
  return out;
}
