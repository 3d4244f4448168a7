// Every text of the itinerary card page, in Chinese (the seed's and the real
// card's wording) and English.
import type { Texts } from '../shared/lang.ts';
import { formatWait } from '../shared/wait.ts';

export const HOTLINE = { zh: '电信10000/移动10086/联通10010', en: 'Telecom 10000 / Mobile 10086 / Unicom 10010' };

export const TEXTS: Texts<{
  title: string;
  /** The top bar's title: short enough for one line at 360 px. */
  shortTitle: string;
  slogan: string;
  langSwitch: string;
  langSwitchLabel: string;
  intro: string;
  phoneLabel: string;
  phonePlaceholder: string;
  codeLabel: string;
  codePlaceholder: string;
  getCode: string;
  resendIn: (s: number) => string;
  codeSent: (masked: string) => string;
  /** After too many wrong codes: the code is used up, and when a new one can be had. */
  codeSpent: (waitSeconds: number, lang: 'zh' | 'en') => string;
  consent: string;
  remember: string;
  query: string;
  querying: string;
  newNumberNote: string;
  help: string;
  hotlineLabel: string;
  phoneInvalid: string;
  phoneOverseas: string;
  codeInvalid: string;
  consentNeeded: string;
  dialogTitle: string;
  ok: string;
  retry: string;
  requery: string;
  getNewCode: string;
  relogin: string;
  seeHelp: string;
  cardOf: (masked: string) => string;
  updatedAt: string;
  headline: Record<'green' | 'yellow' | 'red', string>;
  colourName: Record<'green' | 'yellow' | 'red', string>;
  visited: (days: number) => string;
  none: string;
  clockLabel: string;
  riskFootnote: string;
  scope: (days: number) => string;
  colourNote: string;
  window: (from: string, to: string) => string;
  refresh: string;
  logout: string;
  loading: string;
}> = {
  zh: {
    title: '通信大数据行程卡',
    shortTitle: '通信大数据行程卡',
    slogan: '疫情防控，人人有责',
    langSwitch: 'EN',
    // Begins with the visible "EN" (WCAG 2.5.3: the spoken name holds the visible label).
    langSwitchLabel: 'EN: switch to English',
    intro: '免费为您提供本人过往7天内到访过的国家（地区）和连续停留满4小时的国内城市证明。',
    phoneLabel: '手机号码',
    phonePlaceholder: '请输入您的手机号',
    codeLabel: '验证码',
    codePlaceholder: '请输入验证码',
    getCode: '获取验证码',
    resendIn: (s) => `${formatWait(s, 'zh')}后重新获取`,
    codeSent: (m) => `验证码已发送至${m}，请查收短信`,
    codeSpent: (s, l) =>
      s > 0
        ? `验证码错误次数过多，该验证码已作废。请在${formatWait(s, l)}后点击“获取验证码”重新获取。`
        : '验证码错误次数过多，该验证码已作废。请点击“获取验证码”重新获取。',
    consent: '同意并授权运营商查询本人在疫情期间7天内到访地信息',
    remember: '在本机记住我，下次无需验证码直接查询',
    query: '查询',
    querying: '正在查询…',
    newNumberNote: '注：新开卡的用户满7天后才能使用行程查询服务。',
    help: '常见问题',
    hotlineLabel: '客服热线：',
    phoneInvalid: '请输入正确的手机号码',
    phoneOverseas: '暂不支持海外运营商手机号查询',
    codeInvalid: '请输入短信中的验证码',
    consentNeeded: '请先勾选“同意并授权运营商查询本人在疫情期间7天内到访地信息”',
    dialogTitle: '提示',
    ok: '知道了',
    retry: '重试',
    requery: '重新查询',
    getNewCode: '重新获取验证码',
    relogin: '重新登录',
    seeHelp: '查看常见问题',
    cardOf: (m) => `${m}的动态行程卡`,
    updatedAt: '更新于：',
    headline: { green: '请收下绿色行程卡', yellow: '请收下黄色行程卡', red: '请收下红色行程卡' },
    colourName: { green: '绿色', yellow: '黄色', red: '红色' },
    visited: (d) => `您于前${d}天内到达或途经：`,
    none: '无',
    clockLabel: '当前北京时间',
    riskFootnote: '注：* 表示当前该城市存在中风险或高风险地区，并不表示用户实际到访过这些中高风险地区。',
    scope: (d) => `结果包含您在前${d}天内到访的国家（地区）与停留4小时以上的国内城市`,
    colourNote:
      '行程卡颜色说明：绿色表示前7天内未到访境外国家；黄色表示前7天内到访过境外国家。行程卡数据仅供参考，请结合车票、住宿单据等其他证明综合判断。',
    window: (a, b) => `统计时段：${a} 0时至 ${b} 24时`,
    refresh: '刷新',
    logout: '切换号码',
    loading: '正在查询，请稍候…',
  },
  en: {
    title: 'Communications Big Data Itinerary Card',
    shortTitle: 'Itinerary Card',
    slogan: "Epidemic prevention is everyone's duty",
    langSwitch: '中文',
    langSwitchLabel: '切换到中文',
    intro:
      'A free proof of the countries (regions) you visited and the domestic cities where you stayed 4 hours or more in the past 7 days.',
    phoneLabel: 'Mobile number',
    phonePlaceholder: 'Enter your mobile number',
    codeLabel: 'Verification code',
    codePlaceholder: 'Enter the code',
    getCode: 'Get code',
    resendIn: (s) => `Resend in ${formatWait(s, 'en')}`,
    codeSent: (m) => `A code was sent to ${m}. Please check your SMS.`,
    codeSpent: (s, l) =>
      s > 0
        ? `Too many wrong codes: this code no longer works. Tap "Get code" in ${formatWait(s, l)} for a new one.`
        : 'Too many wrong codes: this code no longer works. Tap "Get code" for a new one.',
    consent: 'I agree and authorise my operator to look up the places I visited in the past 7 days during the epidemic',
    remember: 'Remember me on this phone: next time, no code needed',
    query: 'Query',
    querying: 'Querying…',
    newNumberNote: 'Note: a new number can use the itinerary service 7 days after it was opened.',
    help: 'FAQ',
    hotlineLabel: 'Hotline: ',
    phoneInvalid: 'Please enter a valid mainland China mobile number.',
    phoneOverseas: 'Numbers of overseas operators are not supported.',
    codeInvalid: 'Please enter the code from the SMS.',
    consentNeeded: 'Please tick the box to agree and authorise the look-up first.',
    dialogTitle: 'Notice',
    ok: 'OK',
    retry: 'Try again',
    requery: 'Query again',
    getNewCode: 'Get a new code',
    relogin: 'Log in again',
    seeHelp: 'Read the FAQ',
    cardOf: (m) => `Dynamic itinerary card of ${m}`,
    updatedAt: 'Updated: ',
    headline: {
      green: 'Here is your green itinerary card',
      yellow: 'Here is your yellow itinerary card',
      red: 'Here is your red itinerary card',
    },
    colourName: { green: 'green', yellow: 'yellow', red: 'red' },
    visited: (d) => `In the past ${d} days you arrived in or passed through:`,
    none: 'None',
    clockLabel: 'Beijing time now',
    riskFootnote:
      'Note: * means the city currently has a medium- or high-risk area; it does not mean you actually visited that area.',
    scope: (d) =>
      `The result lists the countries (regions) you visited and the domestic cities where you stayed 4 hours or more in the past ${d} days.`,
    colourNote:
      'Card colours: green, no foreign country visited in the past 7 days; yellow, a foreign country visited. The card is for reference: weigh it with tickets, hotel receipts and other proof.',
    window: (a, b) => `Period: ${a} 00:00 to ${b} 24:00`,
    refresh: 'Refresh',
    logout: 'Change number',
    loading: 'Querying, please wait…',
  },
};
