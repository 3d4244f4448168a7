// axe-core run inside a page: its serious and critical findings, as short
// strings a failing test prints (rule, impact, the first offending elements).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Rules whose "needs review" answers a test leaves to a check of its own: axe cannot
 * tell the contrast of text over a gradient or a moving layer (textContrastFailures can).
 */
const REVIEWED_ELSEWHERE = new Set(['color-contrast']);

export interface AxeOptions {
  /**
   * Also fail on what axe could not decide ("needs review", serious or critical): an
   * `aria-label` on an element that cannot carry one, a link whose visible text is a symbol.
   * On by default: a page should leave nothing for a person to check.
   */
  review?: boolean;
}

interface Finding {
  id: string;
  impact: string | null;
  nodes: Array<{ target: string[] }>;
}

/** The serious and critical findings of every rule axe-core runs by default (WCAG 2.x A/AA and best practice). */
export async function seriousViolations(page: Page, options: AxeOptions = {}): Promise<string[]> {
  // Evaluated through the DevTools protocol, not as a <script> tag: the pages' CSP (script-src 'self')
  // refuses inline scripts, as it should, and a test must not loosen it to run.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const r = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: Finding[]; incomplete: Finding[] }> } })
      .axe;
    const { violations, incomplete } = await axe.run();
    const slim = (f: Finding) => ({ id: f.id, impact: f.impact, nodes: f.nodes.map((n) => ({ target: n.target })) });
    return { violations: violations.map(slim), incomplete: incomplete.map(slim) };
  });
  const review = options.review !== false;
  const findings = [
    ...r.violations,
    ...(review
      ? r.incomplete.filter((f) => !REVIEWED_ELSEWHERE.has(f.id)).map((f) => ({ ...f, id: `${f.id} (needs review)` }))
      : []),
  ];
  return findings
    .filter((f) => f.impact === 'serious' || f.impact === 'critical')
    .map(
      (f) =>
        `${f.id} ${f.impact}: ${f.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(', ')}`,
    );
}
