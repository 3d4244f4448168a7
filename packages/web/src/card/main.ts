// The itinerary card page (H5): logs in with an SMS code or a remembered
// device, asks the platform for the itinerary with the phone's own clock, and
// shows the card or the error with what to do next.
import type { ItineraryAnswer } from '@itinerary-card/domain/wire';
import '../shared/base.css';
import './card.css';
import { ApiError, apiRequest, asApiError } from '../shared/api-client.ts';
import { showDialog } from '../shared/dialog.ts';
import { applyElderMode, elderSwitch } from '../shared/elder-mode.ts';
import { h, replaceChildren } from '../shared/h.ts';
import { applyLang, currentLang, type Lang, setLang } from '../shared/lang.ts';
import { HOTLINE, TEXTS } from './card-texts.ts';
import { adviceFor, helpLink } from './error-advice.ts';
import { checkedAnswer } from './itinerary-answer.ts';
import { type LoginState, renderLogin } from './login-view.ts';
import { renderResult } from './result-view.ts';
import { loadDevice, loadSession, type Session, saveDevice, saveSession } from './session-store.ts';

type View =
  | { kind: 'loading' }
  | { kind: 'login' }
  | { kind: 'result'; answer: ItineraryAnswer }
  // Logged in, but the itinerary could not be given (NO_DATA, NEW_SUBSCRIBER, ILLEGAL_ACCESS…).
  | { kind: 'error'; err: ApiError };

interface LoginAnswer {
  token: string;
  expiresAt: string;
  deviceToken?: string;
}

// "在本机记住我" is the person's choice: unticked until they tick it.
const login: LoginState = {
  phone: '',
  code: '',
  consent: false,
  remember: false,
  resendAt: 0,
  codeSpent: false,
  busy: false,
  status: '',
};
let view: View = { kind: 'loading' };
let stopView: (() => void) | undefined;
let refreshLogin: (() => void) | undefined;

const main = document.getElementById('app')!;
const langButton = document.getElementById('lang-switch') as HTMLButtonElement;
const titleEl = document.getElementById('page-title')!;
const footer = document.getElementById('footer')!;

function lang(): Lang {
  return currentLang();
}

function render(): void {
  const l = lang();
  const t = TEXTS[l];
  document.title = t.title;
  titleEl.textContent = t.shortTitle;
  langButton.textContent = t.langSwitch;
  langButton.setAttribute('aria-label', t.langSwitchLabel);
  langButton.lang = l === 'en' ? 'zh-CN' : 'en';
  document.getElementById('elder-slot')?.replaceChildren(elderSwitch(l));
  replaceChildren(
    footer,
    h('p', {}, t.hotlineLabel, HOTLINE[l]),
    h('p', {}, h('a', { href: '/help', id: 'help-link' }, t.help)),
  );
  stopView?.();
  stopView = undefined;
  refreshLogin = undefined;
  if (view.kind === 'loading') {
    replaceChildren(main, h('p', { class: 'loading', role: 'status', 'aria-busy': 'true' }, t.loading));
  } else if (view.kind === 'login') {
    const r = renderLogin(login, l, { requestCode, login: doLogin, spentWait: () => waitSeconds() });
    replaceChildren(main, r.el);
    refreshLogin = r.refresh;
  } else if (view.kind === 'error') {
    replaceChildren(main, renderError(view.err, l));
  } else {
    const r = renderResult(view.answer, l, { refresh: () => void query(), logout });
    replaceChildren(main, r.el);
    stopView = r.stop;
  }
}

function renderError(err: ApiError, l: Lang): HTMLElement {
  const t = TEXTS[l];
  const { next } = adviceFor(err.code, l, err.retryAfterSeconds);
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'error-title', id: 'query-error', 'data-code': err.code },
    h('h2', { id: 'error-title', class: 'panel-title', tabindex: -1 }, t.dialogTitle),
    ...messageLines(err).map((m) => h('p', { class: 'error-message' }, m)),
    next ? h('p', { class: 'error-next' }, next) : null,
    h('p', {}, h('a', { href: helpLink(err.code) }, t.seeHelp)),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'btn btn-primary', id: 'requery', onclick: () => void query() }, t.requery),
      h('button', { type: 'button', class: 'btn', id: 'logout', onclick: logout }, t.logout),
    ),
  );
}

/** The first screen after the page loaded keeps the browser's own focus. */
let firstScreen = true;

function show(next: View): void {
  const changed = next.kind !== view.kind;
  view = next;
  render();
  if (next.kind === 'loading') return;
  // Tell keyboard and screen-reader users where they are after the page changed under them.
  if (changed && !firstScreen) document.querySelector<HTMLElement>('#app h2')?.focus();
  firstScreen = false;
}

/** The platform's message (the seed's words) and the notes it added (a ported number's delay, an MVNO caveat). */
function messageLines(e: ApiError): string[] {
  const notes = Array.isArray(e.details.notes) ? e.details.notes.filter((n) => typeof n === 'string') : [];
  return [e.message, ...notes];
}

/**
 * Shows an error of the platform in the dialog with what to do next: for what
 * happens on the login form or over a card already shown. An error that takes
 * the place of the card is shown in the page instead (renderError), never both.
 */
async function explain(err: unknown, retry?: () => void, nextText?: string): Promise<void> {
  const l = lang();
  const t = TEXTS[l];
  const e = asApiError(err);
  const advice = adviceFor(e.code, l, e.retryAfterSeconds);
  const { action } = advice;
  const next = nextText ?? advice.next;
  const actions = [];
  if (action === 'retry' && retry)
    actions.push({ label: e.code === 'ILLEGAL_ACCESS' ? t.requery : t.retry, primary: true, run: retry });
  if (action === 'relogin') actions.push({ label: t.relogin, primary: true, run: () => show({ kind: 'login' }) });
  if (action === 'newCode') {
    actions.push({ label: t.getNewCode, primary: true, run: () => document.getElementById('get-code')?.focus() });
  }
  if (action === 'help') actions.push({ label: t.seeHelp, href: helpLink(e.code) });
  actions.push({ label: t.ok, primary: actions.length === 0 });
  await showDialog({
    title: t.dialogTitle,
    message: messageLines(e).join('\n'),
    next,
    actions,
    fallbackFocus: () => focusAfter(e.code),
  });
}

/** The field to go back to after an error, when the control that caused it was replaced or disabled. */
function focusAfter(code: string): HTMLElement | null {
  const id =
    code === 'INVALID_PHONE' || code === 'UNSUPPORTED_NUMBER'
      ? 'phone'
      : code.startsWith('CODE_')
        ? 'code'
        : code === 'SMS_SEND_FAILED' || code === 'TOO_MANY_REQUESTS' || code === 'TOO_MANY_ATTEMPTS'
          ? 'get-code'
          : undefined;
  const el = id ? document.getElementById(id) : null;
  if (el && !el.matches(':disabled')) return el;
  return document.querySelector<HTMLElement>('#requery, #refresh, #query');
}

function setBusy(busy: boolean, status?: string): void {
  login.busy = busy;
  if (status !== undefined) login.status = status;
  refreshLogin?.();
}

async function requestCode(msisdn: string): Promise<void> {
  setBusy(true, '');
  try {
    const r = await apiRequest<{ resendAfterSeconds?: number }>('/api/v1/sms-code', {
      method: 'POST',
      body: { phone: msisdn },
    });
    login.resendAt = Date.now() + (r.resendAfterSeconds ?? 60) * 1000;
    login.codeSpent = false;
    setBusy(false, TEXTS[lang()].codeSent(`${msisdn.slice(0, 3)}****${msisdn.slice(-4)}`));
    document.getElementById('code')?.focus();
  } catch (err) {
    if (err instanceof ApiError && err.retryAfterSeconds) login.resendAt = Date.now() + err.retryAfterSeconds * 1000;
    setBusy(false, '');
    await explain(err);
  }
}

async function doLogin(msisdn: string, code: string): Promise<void> {
  setBusy(true);
  try {
    const r = await apiRequest<LoginAnswer>('/api/v1/login', {
      method: 'POST',
      body: { phone: msisdn, code, rememberDevice: login.remember },
    });
    saveSession({ token: r.token });
    saveDevice(login.remember && r.deviceToken ? { phone: msisdn, deviceToken: r.deviceToken } : undefined);
    login.code = '';
    login.status = '';
    login.busy = false;
    await query();
  } catch (err) {
    setBusy(false);
    if (err instanceof ApiError && err.code === 'CODE_INVALID') login.code = '';
    if (err instanceof ApiError && err.code === 'TOO_MANY_ATTEMPTS') {
      await lockedOut(err);
      return;
    }
    await explain(err);
    if (err instanceof ApiError && (err.code === 'CODE_INVALID' || err.code === 'CODE_EXPIRED')) {
      (document.getElementById('code') as HTMLInputElement | null)?.select();
    }
  }
}

/** Seconds until a new code may be asked for: the platform's, else what is left of the resend wait. */
function waitSeconds(err?: ApiError): number {
  const left = Math.max(0, Math.ceil((login.resendAt - Date.now()) / 1000));
  return Math.max(err?.retryAfterSeconds ?? 0, left);
}

/**
 * Too many wrong codes: this code is used up. Say so, and for how long no new
 * code can be had (the resend button counts down); until a new code is asked
 * for, the form says the same again rather than 验证码已失效.
 */
async function lockedOut(err: ApiError): Promise<void> {
  login.codeSpent = true;
  login.code = '';
  const wait = waitSeconds(err);
  login.resendAt = Math.max(login.resendAt, Date.now() + wait * 1000);
  refreshLogin?.();
  await explain(err, undefined, TEXTS[lang()].codeSpent(wait, lang()));
}

/** A returning device logs in without a code; undefined when it is no longer accepted. */
async function deviceLogin(): Promise<Session | undefined> {
  const device = loadDevice();
  if (!device) return undefined;
  try {
    const r = await apiRequest<LoginAnswer>('/api/v1/login', {
      method: 'POST',
      body: { phone: device.phone, deviceToken: device.deviceToken },
    });
    const s = { token: r.token };
    saveSession(s);
    if (r.deviceToken) saveDevice({ phone: device.phone, deviceToken: r.deviceToken });
    return s;
  } catch (err) {
    // A revoked or expired device token means: log in with a code again.
    if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.code !== 'TOO_MANY_REQUESTS') {
      saveDevice(undefined);
      login.phone = device.phone;
      return undefined;
    }
    throw err;
  }
}

/** Shows the itinerary of the logged-in number, or the login form when there is no login. */
async function query(): Promise<void> {
  try {
    const answer = await itineraryWithLogin();
    show(answer ? { kind: 'result', answer } : { kind: 'login' });
  } catch (err) {
    const e = asApiError(err);
    if (e.code === 'UNAUTHENTICATED') {
      saveSession(undefined);
      show({ kind: 'login' });
    } else if (view.kind !== 'result') {
      // The error takes the card's place, with its message, advice and actions: no dialog on top.
      show({ kind: 'error', err: e });
      return;
    }
    await explain(e, () => void query());
  }
}

/** The itinerary with the stored session, or after a device login; undefined without any login. */
async function itineraryWithLogin(): Promise<ItineraryAnswer | undefined> {
  const stored = loadSession();
  const session = stored ?? (await deviceLogin());
  if (!session) return undefined;
  if (view.kind !== 'result') show({ kind: 'loading' });
  else document.getElementById('refresh')?.setAttribute('aria-busy', 'true');
  try {
    return await fetchItinerary(session);
  } catch (err) {
    // A stored session the platform no longer knows: the remembered device logs in again once.
    if (!(stored && err instanceof ApiError && err.code === 'UNAUTHENTICATED' && loadDevice())) throw err;
    saveSession(undefined);
    const again = await deviceLogin();
    if (!again) throw err;
    return fetchItinerary(again);
  }
}

async function fetchItinerary(s: Session): Promise<ItineraryAnswer> {
  // X-Client-Time is the phone's own clock: the platform refuses a query from a
  // phone whose time is off (ILLEGAL_ACCESS), as the original service did.
  const body = await apiRequest<unknown>('/api/v1/itinerary', {
    token: s.token,
    headers: { 'X-Client-Time': String(Date.now()) },
  });
  return checkedAnswer(body, currentLang());
}

/**
 * Ends the session and forgets this device on the platform too, in one request
 * that needs neither to be still valid (best effort: the local state goes anyway).
 */
function logout(): void {
  const session = loadSession();
  const device = loadDevice();
  if (session || device) {
    void apiRequest('/api/v1/logout', {
      method: 'POST',
      token: session?.token,
      headers: device ? { 'X-Device-Token': device.deviceToken } : {},
    }).catch(() => {});
  }
  saveSession(undefined);
  saveDevice(undefined);
  login.code = '';
  login.consent = false;
  show({ kind: 'login' });
}

langButton.addEventListener('click', () => {
  setLang(lang() === 'en' ? 'zh' : 'en');
  render();
  // Place and country names come from the platform in the chosen language.
  if (view.kind === 'result') void query();
});

applyLang();
applyElderMode();
render();
void query();
