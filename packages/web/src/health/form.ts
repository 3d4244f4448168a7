// The application form (首次申领) and the edit form (修改信息): personal details,
// the health declaration, and the embedded itinerary module that answers
// "疫区旅居史" and locks it to Yes when the itinerary touches an epidemic area. The
// edit form keeps the lock of the stored itinerary (with the itinerary behind it)
// until a newer authorised check says otherwise. Opened from a check-in (`?c=`),
// the application goes back to that check-in once the code is issued.
import { h, replaceChildren } from '../shared/h.ts';
import { type ApiError, getToken, hcConfig, hcJson, type ItineraryCheck, type Profile } from './lib/hc-api.ts';
import { idNumberLooksValid } from './lib/id-check.ts';
import { itineraryModule, itineraryView } from './lib/itinerary-module.ts';
import { loginBox } from './lib/login-box.ts';
import { errorPanel, mount } from './lib/page.ts';

const mode = document.body.dataset.mode === 'edit' ? 'edit' : 'register';
/** The venue code of a check-in that sent an unregistered holder here. */
const pendingCheckin = new URLSearchParams(location.search).get('c');
const afterSubmit = pendingCheckin ? `checkin.html?c=${encodeURIComponent(pendingCheckin)}` : 'code.html';

function yesNo(
  name: string,
  label: string,
  value: boolean,
): { el: HTMLElement; get(): boolean | null; set(v: boolean, locked?: boolean, why?: string): void } {
  const yes = h('input', { type: 'radio', name, id: `${name}-yes`, value: 'yes' });
  const no = h('input', { type: 'radio', name, id: `${name}-no`, value: 'no' });
  const lock = h('span', { class: 'hc-lock', id: `${name}-lock` });
  yes.checked = value;
  no.checked = !value && mode === 'edit';
  return {
    el: h(
      'fieldset',
      { class: 'hc-yesno', id: `${name}-field` },
      h('legend', {}, label),
      h('label', { for: `${name}-yes` }, yes, '是'),
      h('label', { for: `${name}-no` }, no, '否'),
      lock,
    ),
    get: () => (yes.checked ? true : no.checked ? false : null),
    set(v, locked = false, why = '已根据行程查询结果锁定为“是”') {
      yes.checked = v;
      no.checked = !v;
      no.disabled = locked;
      yes.disabled = locked;
      lock.textContent = locked ? why : '';
    },
  };
}

async function render(main: HTMLElement): Promise<void> {
  const cfg = await hcConfig();
  let me: Profile | null = null;
  try {
    me = await hcJson<Profile>('/api/hc/v1/me');
  } catch (e) {
    const err = e as ApiError;
    if (err.code === 'UNAUTHENTICATED') return showLogin(main);
    if (err.code !== 'NOT_REGISTERED') return errorPanel(main, err.message);
  }
  if (mode === 'register' && me) {
    location.replace(afterSubmit);
    return;
  }
  if (mode === 'edit' && !me) {
    location.replace('register.html');
    return;
  }
  let check: ItineraryCheck | null = null;
  const name = h('input', {
    id: 'f-name',
    class: 'hc-input',
    maxlength: 30,
    autocomplete: 'name',
    value: me?.name ?? '',
  });
  const idNo = h('input', {
    id: 'f-id',
    class: 'hc-input',
    maxlength: 18,
    autocomplete: 'off',
    placeholder: me ? `${me.idNumber}（不修改请留空）` : '18位居民身份证号码',
  });
  const idHint = h('p', { class: 'hc-hint', id: 'f-id-hint' });
  idNo.addEventListener('blur', async () => {
    const value = idNo.value.trim();
    if (value && !idNumberLooksValid(value)) return replaceChildren(idHint, '身份证号码校验位不正确，请核对');
    replaceChildren(idHint);
    // Registered already? Say so now, not after the whole form.
    if (!value || mode !== 'register') return;
    try {
      await hcJson('/api/hc/v1/registrations/id-check', { method: 'POST', body: { idNumber: value } });
    } catch (e) {
      if (idNo.value.trim() === value) replaceChildren(idHint, (e as ApiError).message);
    }
  });
  const address = h('textarea', { id: 'f-address', class: 'hc-input', rows: 2, maxlength: 200 }, me?.address ?? '');
  // 代申领: a family member applies for someone without a phone; the ID's owner can later claim it.
  const forOther = h('input', { type: 'checkbox', id: 'f-for-other' });
  const symptoms = yesNo('symptoms', '近14天是否有发热、干咳、乏力等症状', me?.symptoms ?? false);
  const contact = yesNo('contact', '近14天是否接触过确诊或疑似病例', me?.closeContact ?? false);
  const sojourn = yesNo('sojourn', '疫区旅居史：近14天是否在湖北等疫区或境外旅居', me?.epidemicSojourn ?? false);
  // The stored itinerary keeps the answer locked on the edit form, as the registration did.
  const stored = me?.sojournLock && me.itinerary ? { lock: me.sojournLock, itinerary: me.itinerary } : null;
  const storedLock = () => {
    if (!stored) return false;
    const places = [...new Set(stored.lock.hits.map((x) => x.place))].join('、');
    sojourn.set(
      true,
      true,
      `已根据行程查询结果锁定为“是”：14天内到访${places}。如行程已更新，请勾选上方授权重新查询。`,
    );
    return true;
  };
  const storedBox = stored
    ? h(
        'div',
        { id: 'stored-itinerary' },
        itineraryView(stored.itinerary, stored.lock.hits, '上次授权查询的14天行程', 'stored-itinerary'),
      )
    : null;
  const module = itineraryModule(mode, (c) => {
    check = c;
    // A newer check replaces the stored one (on submit) and decides alone.
    if (storedBox) storedBox.hidden = c !== null;
    if (c) sojourn.set(c.epidemicSojourn, c.epidemicSojourn);
    else if (!storedLock()) sojourn.set(sojourn.get() ?? false, false);
  });
  if (storedBox) module.append(storedBox);
  storedLock();
  const msg = h('p', { class: 'hc-error', role: 'alert', id: 'form-error' });
  const form = h(
    'form',
    {
      id: 'person-form',
      novalidate: true,
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        replaceChildren(msg);
        const answers = [symptoms.get(), contact.get(), sojourn.get()];
        if (answers.some((a) => a === null)) {
          replaceChildren(msg, '请完成健康申报的全部选项');
          return;
        }
        const body: Record<string, unknown> = {
          name: name.value,
          idNumber: idNo.value.trim(),
          address: address.value,
          symptoms: answers[0],
          closeContact: answers[1],
          epidemicSojourn: answers[2],
        };
        if (check) body.itineraryCheckId = check.checkId;
        if (mode === 'register' && forOther.checked) body.forOther = true;
        if (mode === 'edit' && !body.idNumber) delete body.idNumber;
        try {
          await hcJson(mode === 'edit' ? '/api/hc/v1/me' : '/api/hc/v1/registrations', {
            method: mode === 'edit' ? 'PUT' : 'POST',
            body,
          });
          location.href = afterSubmit;
        } catch (e) {
          replaceChildren(msg, (e as ApiError).message);
        }
      },
    },
    h(
      'section',
      { class: 'panel' },
      h('h2', { class: 'panel-title' }, '个人信息'),
      h('p', { class: 'hc-muted' }, `手机号码：${me?.phone ?? '已通过短信验证'}`),
      h('label', { class: 'hc-label', for: 'f-name' }, '姓名'),
      name,
      h('label', { class: 'hc-label', for: 'f-id' }, '身份证号码'),
      idNo,
      idHint,
      h('label', { class: 'hc-label', for: 'f-address' }, '现居住地址'),
      address,
      mode === 'register'
        ? h(
            'label',
            { class: 'hc-check', for: 'f-for-other' },
            forOther,
            h(
              'span',
              {},
              '为家人代申领（如老人、儿童）。身份证持有人本人日后可用自己的手机号码、以相同姓名和身份证号码申领，即可认领该码，届时本机会收到短信通知。',
            ),
          )
        : null,
    ),
    module,
    h(
      'section',
      { class: 'panel' },
      h('h2', { class: 'panel-title' }, '健康申报'),
      sojourn.el,
      symptoms.el,
      contact.el,
    ),
    msg,
    h(
      'button',
      { type: 'submit', id: 'form-submit', class: 'btn btn-primary btn-block' },
      mode === 'edit' ? '提交修改' : `提交申领${cfg.codeName}`,
    ),
  );
  replaceChildren(main, form);
}

function showLogin(main: HTMLElement): void {
  replaceChildren(
    main,
    loginBox('请先验证手机号码', () => void render(main)),
  );
}

const main = mount(mode === 'edit' ? '修改信息' : '申领昌通码');
if (getToken()) void render(main);
else showLogin(main);
