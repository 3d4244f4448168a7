// What the browser tests of every page share (`@itinerary-card/web/testing`): Debian's
// Chromium and a phone to drive, axe-core, and a contrast check axe cannot make.
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
