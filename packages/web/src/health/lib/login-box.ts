// Login with the mobile number and an SMS verification code; calls `done` once a
// session token is stored.
import { h, replaceChildren } from '../../shared/h.ts';
import { type ApiError, hcJson, setToken } from './hc-api.ts';
import { showLogout } from './page.ts';

export function loginBox(title: string, done: (r: { registered: boolean; phone: string }) => void): HTMLElement {
  const phone = h('input', {
    id: 'login-phone',
    type: 'tel',
    inputmode: 'numeric',
    maxlength: 20,
    autocomplete: 'tel',
    placeholder: '请输入手机号码',
    class: 'hc-input',
  });
  const code = h('input', {
    id: 'login-code',
    type: 'text',
    inputmode: 'numeric',
    maxlength: 6,
    autocomplete: 'one-time-code',
    placeholder: '请输入验证码',
    class: 'hc-input',
  });
  const msg = h('p', { class: 'hc-error', role: 'alert', id: 'login-error' });
  let wait = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Counts the button down from `seconds` (the wait the server asked for). */
  const countDown = (seconds: number) => {
    clearTimeout(timer);
    wait = seconds;
    const tick = () => {
      send.disabled = wait > 0;
      send.textContent = wait > 0 ? `${wait}秒后重发` : '获取验证码';
      if (wait-- > 0) timer = setTimeout(tick, 1000);
    };
    tick();
  };
  /** An error message, with the seconds to wait when the server gives them. */
  const say = (err: ApiError) => {
    const seconds = err.retryAfterSeconds;
    if (seconds !== undefined) {
      replaceChildren(msg, `${err.message.replace(/[。.]$/, '')}（请${seconds}秒后再试）`);
      countDown(seconds);
    } else replaceChildren(msg, err.message);
  };
  const send: HTMLButtonElement = h(
    'button',
    {
      type: 'button',
      id: 'login-send',
      class: 'btn hc-send',
      onclick: async () => {
        replaceChildren(msg);
        try {
          const r = await hcJson<{ resendAfterSeconds: number }>('/api/hc/v1/sms-code', {
            method: 'POST',
            body: { phone: phone.value },
          });
          countDown(r.resendAfterSeconds);
          code.focus();
        } catch (e) {
          say(e as ApiError);
        }
      },
    },
    '获取验证码',
  );
  const submit = h(
    'button',
    {
      type: 'submit',
      id: 'login-submit',
      class: 'btn btn-primary btn-block',
    },
    '登录',
  );
  const form = h(
    'form',
    {
      class: 'panel hc-login',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        replaceChildren(msg);
        try {
          const r = await hcJson<{ token: string; registered: boolean; phone: string }>('/api/hc/v1/login', {
            method: 'POST',
            body: { phone: phone.value, code: code.value.trim() },
          });
          setToken(r.token);
          showLogout();
          done(r);
        } catch (e) {
          say(e as ApiError);
        }
      },
    },
    h('h2', { class: 'panel-title' }, title),
    h('label', { class: 'hc-label', for: 'login-phone' }, '手机号码'),
    phone,
    h('label', { class: 'hc-label', for: 'login-code' }, '短信验证码'),
    h('div', { class: 'hc-row' }, code, send),
    msg,
    submit,
  );
  return form;
}
