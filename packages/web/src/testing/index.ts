// What the browser tests of every page share (`@itinerary-card/web/testing`): Debian's
// Chromium and a phone to drive, axe-core, a contrast check axe cannot make, and
// the security headers and CSP every page is served with.
export { type AxeOptions, seriousViolations } from './axe.ts';
export {
  ARTIFACTS_DIR,
  cspViolations,
  launchChromium,
  newPhone,
  type PhoneOptions,
  screenshot,
} from './browser-kit.ts';
export { textContrastFailures } from './contrast.ts';
export { inlineScriptRefused, securityHeaderProblems } from './security-headers.ts';
