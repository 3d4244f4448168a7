// What to do next after each error of API.md (plus the page's own NETWORK_ERROR
// and ANSWER_MALFORMED): one line of advice and the action the dialog offers.
// The advice adds to the platform's message (the seed's words), never repeats it.
import type { Lang } from '../shared/lang.ts';
import { formatWait } from '../shared/wait.ts';

/** relogin: back to the login form; newCode: focus "获取验证码"; retry: repeat the query; help: FAQ. */
export type NextAction = 'ok' | 'relogin' | 'newCode' | 'retry' | 'help';

interface Advice {
  zh: string;
  en: string;
  action: NextAction;
}

const HOTLINE_ZH = '如仍有问题，请联系所属运营商的客服（电信10000/移动10086/联通10010）。';
const HOTLINE_EN = 'If the problem persists, call your operator (Telecom 10000 / Mobile 10086 / Unicom 10010).';

const ADVICE: Record<string, Advice> = {
  INVALID_PHONE: {
    zh: '请检查号码：应为11位中国大陆手机号码，例如 13800000001。',
    en: 'Check the number: an 11-digit mainland China mobile number, e.g. 13800000001.',
    action: 'ok',
  },
  UNSUPPORTED_NUMBER: {
    zh: '行程卡支持中国电信、中国移动、中国联通的手机号码，请换用国内运营商的号码查询。',
    en: 'The card supports numbers of China Telecom, China Mobile and China Unicom: use a mainland number.',
    action: 'ok',
  },
  TOO_MANY_REQUESTS: {
    zh: '请稍等片刻再试。',
    en: 'Please wait a moment and try again.',
    action: 'ok',
  },
  SMS_SEND_FAILED: {
    zh: '也可以发送短信CXMYD到所属运营商（电信10000/移动10086/联通10010）查询行程。',
    en: 'You can also text CXMYD to your operator (Telecom 10000 / Mobile 10086 / Unicom 10010) to get your itinerary.',
    action: 'help',
  },
  CODE_INVALID: {
    zh: '请核对短信中的验证码后重新输入；多次输错需要重新获取验证码。',
    en: 'Check the code in the SMS and enter it again; after several wrong codes you need a new one.',
    action: 'ok',
  },
  CODE_EXPIRED: {
    zh: '请点击“获取验证码”，收到新的验证码后再查询。',
    en: 'Tap "Get code" and query with the new code.',
    action: 'newCode',
  },
  TOO_MANY_ATTEMPTS: {
    zh: '为保护您的号码安全，请稍后点击“获取验证码”重新获取。',
    en: 'To protect your number, tap "Get code" later for a new code.',
    action: 'newCode',
  },
  UNAUTHENTICATED: {
    zh: '请输入手机号码并获取验证码重新登录。',
    en: 'Enter your number and get a verification code to log in again.',
    action: 'relogin',
  },
  ILLEGAL_ACCESS: {
    zh: '请在手机“设置”中打开“自动设置时间”（或将时间调为北京时间），然后点击“重新查询”。',
    en: 'Turn on "Set time automatically" in your phone\'s settings (or set it to Beijing time), then tap "Query again".',
    action: 'retry',
  },
  NEW_SUBSCRIBER: {
    zh: '开户满7天后即可查询行程。',
    en: 'You can query 7 days after the number was opened.',
    action: 'help',
  },
  NO_DATA: {
    zh: '请明天再来查询。' + HOTLINE_ZH,
    en: 'Please query again tomorrow. ' + HOTLINE_EN,
    action: 'help',
  },
  QUERY_FAILED: {
    zh: '请确认网络通畅后点击“重试”。' + HOTLINE_ZH,
    en: 'Make sure your network works, then tap "Try again". ' + HOTLINE_EN,
    action: 'retry',
  },
  ANSWER_MALFORMED: {
    zh: '请稍后再查询一次；如果一直如此，请刷新页面。' + HOTLINE_ZH,
    en: 'Query again in a while; if this keeps happening, reload the page. ' + HOTLINE_EN,
    action: 'retry',
  },
  NETWORK_ERROR: {
    zh: '请检查网络连接（Wi-Fi或移动数据）后点击“重试”。' + HOTLINE_ZH,
    en: 'Check your connection (Wi-Fi or mobile data), then tap "Try again". ' + HOTLINE_EN,
    action: 'retry',
  },
};

const FALLBACK: Advice = { zh: '请稍后再试。' + HOTLINE_ZH, en: 'Please try again later. ' + HOTLINE_EN, action: 'ok' };

/** The seed's FAQ answer about each error (help page anchor #qN). */
const FAQ_OF: Record<string, number> = {
  SMS_SEND_FAILED: 11,
  NEW_SUBSCRIBER: 8,
  NO_DATA: 7,
  QUERY_FAILED: 9,
  ANSWER_MALFORMED: 9,
  NETWORK_ERROR: 9,
  ILLEGAL_ACCESS: 10,
  UNSUPPORTED_NUMBER: 14,
};

export function helpLink(code: string): string {
  const n = FAQ_OF[code];
  return n ? `/help#q${n}` : '/help';
}

export function adviceFor(code: string, lang: Lang, retryAfterSeconds?: number): { next: string; action: NextAction } {
  const a = ADVICE[code] ?? FALLBACK;
  let next = a[lang];
  if (retryAfterSeconds !== undefined) {
    const wait = formatWait(retryAfterSeconds, lang);
    next = lang === 'en' ? `Please try again in ${wait}.` : `请在${wait}后再试。`;
  }
  return { next, action: a.action };
}
