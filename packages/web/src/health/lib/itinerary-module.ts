// The embedded itinerary module (两码合一): an authorisation box; once ticked, the
// itinerary card platform texts the holder a code, and the holder's code is the
// proof of the authorisation: with it the system queries the number's 14-day
// itinerary and shows it. When the itinerary cannot be had, it links straight to
// the itinerary card page.
import { formatBeijingDisplay } from '@itinerary-card/domain';
import { h, replaceChildren } from '../../shared/h.ts';
import { type ApiError, hcConfig, hcJson, type ItineraryCheck, type ItinerarySummary } from './hc-api.ts';

function places(c: ItinerarySummary): string {
  const cities = c.cities.map((x) => (x.province === x.city ? x.city : `${x.province}${x.city}`));
  return cities.length > 0 ? cities.join('、') : '无';
}

interface GrantCodeSent {
  requestId: string;
  phone: string;
  resendAfterSeconds: number;
}

/** A Beijing day as the card shows it (2022.09.01). */
function day(ms: number): string {
  return formatBeijingDisplay(ms).slice(0, 10);
}

/** An itinerary and its 疫区旅居史 verdict, as the module shows a fresh check and the edit form the stored one. */
export function itineraryView(
  c: ItinerarySummary,
  hits: ReadonlyArray<{ place: string }>,
  heading: string,
  idPrefix = 'itinerary',
): HTMLElement {
  const hit = hits.length > 0;
  return h(
    'div',
    { class: `hc-itin ${hit ? 'hc-itin-hit' : ''}` },
    h('p', { class: 'hc-itin-phone' }, heading),
    h('p', {}, `统计时段：${day(Date.parse(c.windowStart))} 至 ${day(Date.parse(c.windowEnd) - 1)}（北京时间）`),
    h('p', { id: `${idPrefix}-cities` }, h('strong', {}, '到达或途经（国内）：'), places(c)),
    h(
      'p',
      { id: `${idPrefix}-countries` },
      h('strong', {}, '境外（国家/地区）：'),
      c.countries.length ? c.countries.map((x) => x.name).join('、') : '无',
    ),
    h('p', { class: 'hc-muted' }, `更新时间：${formatBeijingDisplay(Date.parse(c.updatedAt))}`),
    h(
      'p',
      { id: `${idPrefix}-verdict`, class: hit ? 'hc-verdict-yes' : 'hc-verdict-no' },
      hit ? `疫区旅居史：是（${[...new Set(hits.map((x) => x.place))].join('、')}）` : '疫区旅居史：否',
    ),
  );
}

export function itineraryModule(
  purpose: 'register' | 'edit' | 'checkin',
  onResult: (c: ItineraryCheck | null) => void,
): HTMLElement {
  const out = h('div', { class: 'hc-itin-result', id: 'itinerary-result', 'aria-live': 'polite' });
  const box = h('input', { type: 'checkbox', id: 'itinerary-authorise' });

  const showError = async (err: ApiError) => {
    box.checked = false;
    box.disabled = false;
    const url =
      (err.details.itineraryCardUrl as string | undefined) ?? (await hcConfig().catch(() => null))?.itineraryCardUrl;
    replaceChildren(
      out,
      h(
        'div',
        { class: 'hc-itin hc-itin-error' },
        h('p', { id: 'itinerary-error' }, err.message),
        url && err.code !== 'UNAUTHENTICATED'
          ? h(
              'a',
              { id: 'itinerary-card-link', class: 'btn btn-block', href: url },
              '前往通信大数据行程卡查询（输入手机号码和验证码）',
            )
          : null,
      ),
    );
    onResult(null);
  };

  const showItinerary = (c: ItineraryCheck) => {
    replaceChildren(out, itineraryView(c, c.hits, `${c.phone} 的14天行程`));
    onResult(c);
    box.disabled = false;
  };

  /** Step 2: the code the platform texted proves the authorisation; a wrong one is typed again. */
  const askCode = (sent: GrantCodeSent) => {
    const input = h('input', {
      id: 'itinerary-code',
      class: 'hc-input',
      inputmode: 'numeric',
      autocomplete: 'one-time-code',
      maxlength: 6,
      placeholder: '6位授权码',
    });
    const msg = h('p', { class: 'hc-error', role: 'alert', id: 'itinerary-code-error' });
    const confirm = h(
      'button',
      { type: 'button', class: 'btn btn-primary btn-block', id: 'itinerary-confirm' },
      '确认授权并查询',
    );
    confirm.addEventListener('click', async () => {
      if (!/^\d{6}$/.test(input.value.trim())) {
        replaceChildren(msg, '请输入短信中的6位授权码');
        return;
      }
      confirm.disabled = true;
      replaceChildren(msg, '正在查询14天内行程……');
      try {
        showItinerary(
          await hcJson<ItineraryCheck>('/api/hc/v1/itinerary-checks', {
            method: 'POST',
            body: { authorised: true, purpose, requestId: sent.requestId, smsCode: input.value.trim() },
          }),
        );
      } catch (e) {
        const err = e as ApiError;
        confirm.disabled = false;
        if (err.code === 'CODE_INVALID') replaceChildren(msg, err.message);
        else await showError(err);
      }
    });
    replaceChildren(
      out,
      h(
        'div',
        { class: 'hc-itin', id: 'itinerary-confirm-step' },
        h(
          'p',
          {},
          `通信行程卡平台已向 ${sent.phone} 发送授权码，短信中注明本系统和查询用途。输入授权码即确认由本人授权查询。`,
        ),
        input,
        msg,
        confirm,
      ),
    );
    input.focus();
  };

  box.addEventListener('change', async () => {
    if (!box.checked) {
      replaceChildren(out);
      onResult(null);
      return;
    }
    box.disabled = true;
    replaceChildren(out, h('p', { class: 'hc-muted' }, '正在发送授权码……'));
    try {
      askCode(
        await hcJson<GrantCodeSent>('/api/hc/v1/itinerary-checks/sms-code', { method: 'POST', body: { purpose } }),
      );
    } catch (e) {
      await showError(e as ApiError);
    }
  });
  return h(
    'section',
    { class: 'panel hc-itin-module', id: 'itinerary-module' },
    h('h2', { class: 'panel-title' }, '行程查询（通信大数据行程卡）'),
    h(
      'label',
      { class: 'hc-check', for: 'itinerary-authorise' },
      box,
      h(
        'span',
        {},
        '本人授权查询本手机号码14天内的行程信息（由中国电信、中国移动、中国联通提供），查询结果用于判断疫区旅居史。勾选后通信行程卡平台将向本机发送授权码。',
      ),
    ),
    purpose === 'checkin'
      ? null
      : h(
          'p',
          { class: 'hc-muted', id: 'itinerary-skip-note' },
          '不授权也可提交，昌通码和核验页面将显示“行程未核验”。',
        ),
    out,
  );
}
