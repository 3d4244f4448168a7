// The login form: phone number, "获取验证码" with its countdown, the code, the
// consent box and the query button. It validates what it can before calling
// the platform; the controller does the calls.
import { checkPhone } from '@itinerary-card/domain';
import { h } from '../shared/h.ts';
import type { Lang } from '../shared/lang.ts';
import { TEXTS } from './card-texts.ts';

export interface LoginState {
  phone: string;
  code: string;
  consent: boolean;
  remember: boolean;
  /** Epoch ms (phone clock) before which "获取验证码" stays disabled. */
  resendAt: number;
  /** The last code was burnt by too many wrong tries: a new one is needed. */
  codeSpent: boolean;
  busy: boolean;
  status: string;
}

export interface LoginHandlers {
  requestCode(msisdn: string): void;
  login(msisdn: string, code: string): void;
  /** Seconds until a new code may be asked for (after too many wrong codes). */
  spentWait(): number;
}

const CODE_RE = /^\d{4,8}$/;

export interface RenderedLogin {
  el: HTMLElement;
  /** Re-reads busy, status and the countdown from the state without rebuilding (focus stays put). */
  refresh(): void;
}

export function renderLogin(state: LoginState, lang: Lang, on: LoginHandlers): RenderedLogin {
  const t = TEXTS[lang];
  const phoneError = h('p', { id: 'phone-error', class: 'field-error', hidden: true });
  const codeError = h('p', { id: 'code-error', class: 'field-error', role: 'alert', hidden: true });
  const consentError = h('p', { id: 'consent-error', class: 'field-error', hidden: true });

  const phone = h('input', {
    id: 'phone',
    name: 'phone',
    type: 'tel',
    inputmode: 'numeric',
    autocomplete: 'tel-national',
    maxlength: 20,
    placeholder: t.phonePlaceholder,
    'aria-describedby': 'phone-error',
    required: true,
    value: state.phone,
  });
  const code = h('input', {
    id: 'code',
    name: 'code',
    type: 'text',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    maxlength: 8,
    placeholder: t.codePlaceholder,
    'aria-describedby': 'code-error',
    required: true,
    value: state.code,
  });
  const getCode = h('button', { id: 'get-code', type: 'button', class: 'btn btn-code' }, t.getCode);
  const consent = h('input', { id: 'consent', type: 'checkbox', 'aria-describedby': 'consent-error' });
  consent.checked = state.consent;
  const remember = h('input', { id: 'remember', type: 'checkbox' });
  remember.checked = state.remember;
  const submit = h('button', { id: 'query', type: 'submit', class: 'btn btn-primary btn-block' }, t.query);
  const status = h('p', { id: 'login-status', class: 'status', role: 'status' }, state.status);

  const showError = (input: HTMLInputElement | null, el: HTMLElement, msg: string | undefined) => {
    el.textContent = msg ?? '';
    el.hidden = !msg;
    if (input) input.setAttribute('aria-invalid', msg ? 'true' : 'false');
  };
  const validPhone = (): string | undefined => {
    const r = checkPhone(phone.value);
    if (r.ok) {
      showError(phone, phoneError, undefined);
      return r.msisdn;
    }
    showError(phone, phoneError, r.reason === 'overseas' ? t.phoneOverseas : t.phoneInvalid);
    phone.focus();
    return undefined;
  };

  let timer: ReturnType<typeof setInterval> | undefined;
  const updateCountdown = () => {
    const left = Math.ceil((state.resendAt - Date.now()) / 1000);
    if (left > 0 && getCode.isConnected) {
      getCode.disabled = true;
      getCode.textContent = t.resendIn(left);
    } else {
      getCode.disabled = state.busy;
      getCode.textContent = t.getCode;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    }
  };
  const startCountdown = () => {
    updateCountdown();
    if (timer === undefined && state.resendAt > Date.now()) timer = setInterval(updateCountdown, 250);
  };

  phone.addEventListener('input', () => {
    state.phone = phone.value;
    if (phone.getAttribute('aria-invalid') === 'true') showError(phone, phoneError, undefined);
  });
  code.addEventListener('input', () => {
    state.code = code.value;
    if (code.getAttribute('aria-invalid') === 'true') showError(code, codeError, undefined);
  });
  consent.addEventListener('change', () => {
    state.consent = consent.checked;
    if (consent.checked) showError(consent, consentError, undefined);
  });
  remember.addEventListener('change', () => {
    state.remember = remember.checked;
  });
  getCode.addEventListener('click', () => {
    const msisdn = validPhone();
    if (msisdn) on.requestCode(msisdn);
  });

  const form = h(
    'form',
    { id: 'login-form', class: 'login', novalidate: true, 'aria-busy': state.busy ? 'true' : 'false' },
    h('div', { class: 'field' }, h('label', { for: 'phone' }, t.phoneLabel), phone, phoneError),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'code' }, t.codeLabel),
      h('div', { class: 'code-row' }, code, getCode),
      codeError,
    ),
    status,
    h('div', { class: 'check' }, consent, h('label', { for: 'consent' }, t.consent)),
    consentError,
    h('div', { class: 'check' }, remember, h('label', { for: 'remember' }, t.remember)),
    submit,
    h('p', { class: 'note' }, t.newNumberNote),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const msisdn = validPhone();
    if (!msisdn) return;
    const c = code.value.trim();
    if (!CODE_RE.test(c)) {
      showError(code, codeError, t.codeInvalid);
      code.focus();
      return;
    }
    if (state.codeSpent) {
      // The platform would only say 验证码已失效: say what happened and how long to wait.
      showError(code, codeError, t.codeSpent(on.spentWait(), lang));
      code.focus();
      return;
    }
    showError(code, codeError, undefined);
    if (!consent.checked) {
      showError(consent, consentError, t.consentNeeded);
      consent.focus();
      return;
    }
    on.login(msisdn, c);
  });

  const refresh = () => {
    submit.disabled = state.busy;
    submit.textContent = state.busy ? t.querying : t.query;
    form.setAttribute('aria-busy', state.busy ? 'true' : 'false');
    status.textContent = state.status;
    if (phone.value !== state.phone) phone.value = state.phone;
    if (code.value !== state.code) code.value = state.code;
    startCountdown();
  };
  refresh();

  const el = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'login-title' },
    h('h2', { id: 'login-title', class: 'panel-title', tabindex: -1 }, t.title),
    h('p', { class: 'slogan' }, t.slogan),
    h('p', { class: 'intro' }, t.intro),
    form,
  );
  return { el, refresh };
}
