// The itinerary card guide and FAQ (seed 000), word for word in Chinese, with
// an English translation.
import type { Texts } from '../shared/lang.ts';

export interface HelpSection {
  title: Texts<string>;
  /** Its first paragraph (方式一, 扫码) is followed by a QR code of the card page. */
  qr?: boolean;
  paragraphs: Texts<string[]>;
}

export interface HelpQuestion {
  q: Texts<string>;
  a: Texts<string[]>;
}

const HOT = { zh: '电信10000/移动10086/联通10010', en: 'Telecom 10000 / Mobile 10086 / Unicom 10010' };

export const HELP_TITLE: Texts<string> = { zh: '通信大数据行程卡使用指南', en: 'Itinerary Card guide' };
export const FAQ_TITLE: Texts<string> = { zh: '通信大数据行程卡常见问题解答', en: 'Frequently asked questions' };
export const BACK: Texts<string> = { zh: '返回查询', en: 'Back to the query' };

export const GUIDE: HelpSection[] = [
  {
    title: { zh: '通信大数据行程卡', en: 'The Communications Big Data Itinerary Card' },
    paragraphs: {
      zh: [
        '“通信大数据行程卡”是由工信部指导，中国信通院、中国电信、中国移动、中国联通共同推出的公益性的行程查询服务，可以免费为用户提供本人过往7天内到访过的国家（地区）和连续停留满4小时的国内城市证明，数据相对准确，使用便捷。',
      ],
      en: [
        'The Communications Big Data Itinerary Card is a free public-interest service, guided by the Ministry of Industry and Information Technology and offered by CAICT, China Telecom, China Mobile and China Unicom. It proves, free of charge, which countries (regions) you visited and in which domestic cities you stayed 4 hours or more in the past 7 days. The data are fairly accurate and the service is easy to use.',
      ],
    },
  },
  {
    title: { zh: '主要功能和流程', en: 'What it does and how' },
    paragraphs: {
      zh: [
        '通信行程卡查询服务主要面向中国手机用户，能够查询个人国内和国际前7天内的行程，国内精确到省市（连续停留4小时以上），国外精确到国家。查询由用户主动发起，可用手机软件（微信、支付宝等）扫码接入查询页面，或微信、支付宝小程序搜索“通信行程卡”进入小程序，输入手机号码并点击获取验证码，验证成功后点击查询，即可返回查询结果。',
        '注：新开卡的用户满7天后才能使用行程查询服务。',
      ],
      en: [
        'The service is for users of Chinese mobile numbers. It shows your domestic and international itinerary of the past 7 days: cities in China (stays of 4 hours or more) and countries abroad. You start the query yourself: scan the code with an app (WeChat, Alipay…) to open the query page, or search for "通信行程卡" in the WeChat or Alipay mini-programs, enter your number, tap "Get code", and after verification tap "Query" to see the result.',
        'Note: a new number can use the service 7 days after it was opened.',
      ],
    },
  },
  {
    title: { zh: '查询结果规则', en: 'How the result is computed' },
    paragraphs: {
      zh: [
        '查询结果显示到访的省市（国内）、国家和地区（国际）。用户前7天内的行程计算是在运营商后台完成的，结果有一天的延迟，比如9月8日计算的是9月8日之前7天内的行程数据（9月1日0点-9月7日24点之间）。另外，由于服务使用的是基站数据，为了确保通信连续、实现覆盖无盲区，行政区划交界处的两地基站信号可能会交叉覆盖，造成结果的偏差，使用时可结合其他证明做相应调整。',
      ],
      en: [
        'The result lists the provinces and cities (in China) and the countries and regions (abroad) you visited. Your operator computes the 7 days in its back office, one day behind: on 8 September the card covers the 7 days before 8 September (1 September 00:00 to 7 September 24:00). Because the service uses cell-tower data, and towers on both sides of an administrative border overlap to keep calls connected, the result can be off near a border: weigh it with other proof.',
      ],
    },
  },
  {
    title: { zh: '使用方式', en: 'Ways to query' },
    qr: true,
    paragraphs: {
      zh: [
        '【方式一（推荐）】扫码下载行程卡APP，也可在各大应用商店搜索“通信行程卡”下载。',
        '【方式二】使用微信或支付宝扫描小程序二维码进入小程序查询。',
        '【方式三】扫描国务院微信、支付宝小程序，点击“防疫行程卡”进行查询。',
        `【方式四】发送短信CXMYD到所属运营商(${HOT.zh})进行查询。`,
      ],
      en: [
        '1 (recommended): download the itinerary card app, or search for "通信行程卡" in your app store.',
        '2: scan the mini-program code with WeChat or Alipay.',
        '3: open the State Council mini-program in WeChat or Alipay and tap "防疫行程卡".',
        `4: text CXMYD to your operator (${HOT.en}).`,
      ],
    },
  },
  {
    title: { zh: '使用场景', en: 'Where it is used' },
    paragraphs: {
      zh: [
        '（1）机场、园区、社区等各类公共场所的出入行程核验；',
        '（2）影院、餐馆、商场、校园等人流密集场合的近距离接触防护。',
      ],
      en: [
        '(1) Itinerary checks at the entrances of airports, business parks, residential communities and other public places;',
        '(2) Protection against close contact in crowded places such as cinemas, restaurants, malls and campuses.',
      ],
    },
  },
];

export const FAQ: HelpQuestion[] = [
  {
    q: { zh: '什么是“通信大数据行程卡”？', en: 'What is the Communications Big Data Itinerary Card?' },
    a: {
      zh: [
        '“通信大数据行程卡”是中国电信、中国移动、中国联通、中国信息通信研究院共同推出的行程查询服务，可以免费为用户提供本人过往7天内到访过的国家（地区）和国内城市证明。由于技术局限等原因，地方可将行程卡服务作为辅助疫情防控管理工具，但不建议将其作为唯一的判断依据，请各地使用时注意使用风险，结合实际情况做调整。',
      ],
      en: [
        'An itinerary service offered by China Telecom, China Mobile, China Unicom and CAICT. It proves, free of charge, which countries (regions) and domestic cities you visited in the past 7 days. Because of technical limits, local authorities may use it as an aid to epidemic control, but it should not be the only basis for a decision: weigh its risks and adjust to the actual situation.',
      ],
    },
  },
  {
    q: { zh: '如何使用“通信大数据行程卡”？', en: 'How do I use it?' },
    a: {
      zh: [
        '查询由用户主动发起，可用手机软件（微信、支付宝等）扫码接入查询页面，或使用微信或支付宝搜索“通信行程卡”进入小程序查询，或直接登录“通信行程卡”APP进行查询。首次登录需要输入手机号码并点击获取验证码，验证成功后点击查询，即可返回查询结果，二次登录无需验证可直接返回查询结果。',
        '“通信大数据行程卡”现有官方查询渠道：',
        `（1） 短信查询：发送短信CXMYD到所属运营商（${HOT.zh}）进行查询。`,
        '（2） 网页查询；',
        '（3） 手机APP查询；',
        '（4） 微信或支付宝小程序查询；',
        '（5） 国务院小程序或国家政务服务平台小程序跳转查询。',
      ],
      en: [
        'You start the query yourself: scan the code with WeChat, Alipay or another app to open the query page, search for "通信行程卡" in the WeChat or Alipay mini-programs, or use the itinerary card app. The first time, enter your number, tap "Get code", and after verification tap "Query" to see the result; the next time on the same phone no code is needed and the result appears at once.',
        'The official channels are:',
        `(1) SMS: text CXMYD to your operator (${HOT.en});`,
        '(2) the web page;',
        '(3) the mobile app;',
        '(4) the WeChat or Alipay mini-program;',
        '(5) the State Council mini-program or the national government-services mini-program.',
      ],
    },
  },
  {
    q: { zh: '所有人都能使用“通信大数据行程卡”吗？', en: 'Can everyone use it?' },
    a: {
      zh: [
        '是的，只要是电信、移动、联通三家运营商中任何一家的用户，都可以使用该服务。但是新开卡的用户满7天后才能使用行程查询服务。',
      ],
      en: [
        'Yes: every user of China Telecom, China Mobile or China Unicom can. A new number, however, can use the service only 7 days after it was opened.',
      ],
    },
  },
  {
    q: { zh: '“通信大数据行程卡”会显示哪些信息？', en: 'What does the card show?' },
    a: {
      zh: [
        '“通信大数据行程卡”显示信息包括：用户加密手机号、行程信息更新时间、用户过往7天内所有到访过的国家（地区）和连续停留超过4小时的国内城市。',
      ],
      en: [
        'Your masked number, when the itinerary was last updated, every country (region) you visited in the past 7 days and the domestic cities where you stayed more than 4 hours in a row.',
      ],
    },
  },
  {
    q: {
      zh: '行程卡记录城市信息的判断规则是什么？坐火车路过某城市也会被记录下来吗？',
      en: 'How is a city recorded? Is a city I only passed through by train recorded?',
    },
    a: {
      zh: [
        '如果您在一个城市连续驻留时间超过4小时，则会被判断为驻留。如果不超过4小时，比如坐火车路过一个城市，一般是不会判断为驻留的。',
      ],
      en: [
        'A city counts when you stayed in it for more than 4 hours in a row. Less than that, for example passing through by train, is normally not counted as a stay.',
      ],
    },
  },
  {
    q: {
      zh: '行程查询不准怎么办？我并没有去过A地/我去过B地却没有显示。',
      en: 'The result is wrong: it shows a place I never went to, or misses one I visited.',
    },
    a: {
      zh: [
        `行程卡服务使用的是基站数据，为了确保通信连续、实现覆盖无盲区，行政区划交界处的两地基站信号可能会交叉覆盖，造成此时手机可能会在未漫游的情况下使用了相邻城市的基站信号。但漫游查询信息仅供参考，不建议作为唯一的判定依据。另外在一个城市驻留时间未超过4小时，是不会被记录的。海外行程记录需要您在出国期间开通使用国际漫游服务。如果结果有严重偏差，请及时联系所属运营商的客服核查(${HOT.zh})。`,
      ],
      en: [
        `The card uses cell-tower data. To keep calls connected everywhere, towers on both sides of an administrative border overlap, so near a border your phone may use a neighbouring city's tower without roaming. The roaming information is for reference only and should not be the only basis for a decision. A stay of 4 hours or less in a city is not recorded. Trips abroad are recorded only if international roaming was on while you were there. If the result is seriously wrong, ask your operator's customer service to check it (${HOT.en}).`,
      ],
    },
  },
  {
    q: { zh: '行程卡查不到行程怎么办？', en: 'The card finds no itinerary. What can I do?' },
    a: {
      zh: [
        '行程卡分析的是手机信令数据和话单数据，所以有行程数据的前提是您在使用手机的过程中产生了这些信令和话单数据。遇到这种问题，您可以尝试多打几通电话，或者关闭Wi-Fi连接使用一下数据流量，通常第二天就能查到数据了。此外，如果您是“携号转网”的用户，用户信息同步及行程计算有一定时间差，行程信息的计算会有1-2天的延迟。',
      ],
      en: [
        'The card analyses the signaling and call records your phone produces, so there is an itinerary only if your phone produced them. Make a few calls, or turn off Wi-Fi and use mobile data for a while: the data usually appear the next day. If you ported your number to another operator, syncing takes time and the itinerary is 1-2 days late.',
      ],
    },
  },
  {
    q: {
      zh: '提示“经核验，您所使用的手机号码开户时间未满7天……”，怎么办？',
      en: 'It says "Verified: your number was opened less than 7 days ago…". What now?',
    },
    a: {
      zh: [
        '基于《新型冠状病毒肺炎防控方案（第九版）》，行程卡对于手机入网日期在7天内的用户暂不提供行程查询服务。如果出现该问题，建议您与相关防疫部门沟通，根据个人旅行车票、住宿单据、社区证明等来确定自己的行程。',
      ],
      en: [
        'Under the COVID-19 Prevention and Control Plan (9th edition), the card gives no itinerary for a number that joined the network less than 7 days ago. Talk to the local epidemic-prevention office and establish your itinerary with your tickets, accommodation receipts or a community certificate.',
      ],
    },
  },
  {
    q: { zh: '提示“数据查询异常”，怎么办？', en: 'It says "Data query error". What now?' },
    a: {
      zh: [
        '行程卡查询需要在网络通畅的情况下进行，如果您网络不通则可能出现“数据查询异常”的错误提示；此外，如果条件允许，您可以试试更换其它手机查询同一号码的行程，如果更换手机后能正常查询，说明为原手机端的问题，需检查原手机是否有相关安全或拦截设置。',
      ],
      en: [
        'The query needs a working network; without one you may see "Data query error". If you can, query the same number from another phone: if that works, the problem is on the first phone, so check its security or blocking settings.',
      ],
    },
  },
  {
    q: { zh: '提示“非法访问”，怎么办？', en: 'It says "Illegal access". What now?' },
    a: {
      zh: [
        `如果出现“非法访问”的提示，一般是手机系统时间和北京时间不一致造成的，建议在设置中将手机系统时间和北京时间调成一致再查询。如果仍有问题，请立即联系所属运营商的客服(${HOT.zh})。`,
      ],
      en: [
        `This usually means your phone's clock differs from Beijing time: set it to Beijing time in the settings and query again. If the problem persists, call your operator's customer service (${HOT.en}).`,
      ],
    },
  },
  {
    q: {
      zh: '为什么我无法收到短信验证码或提示“发送短信失败”？',
      en: 'Why does the SMS code not arrive, or why does it say "Failed to send the SMS"?',
    },
    a: {
      zh: [
        '您可以通过以下几问进行判断：有没有设置软件拦截或短信接收黑名单？ 手机是不是处于欠费状态？ 当前所在位置的网络信号好不好？此外，如果是高峰时段可能会因短时间内请求量过大造成短信拥堵（比如上班高峰期），建议等待一段时间后重新尝试。',
        `如果以上问题都解决了而您还是迟迟收不到验证码，请立即联系所属运营商的客服(${HOT.zh})。此外，推荐下载“通信行程卡”手机APP版本，APP提供一键登录服务，可以省去收发验证码的过程。`,
      ],
      en: [
        'Ask yourself: is an app blocking SMS, or is the sender on a block list? Is your account in arrears? Is the signal good where you are? At peak hours (the morning rush, for example) too many requests at once can congest SMS: wait a while and try again.',
        `If none of this helps and the code still does not arrive, call your operator's customer service (${HOT.en}). The itinerary card app also offers one-tap login without an SMS code.`,
      ],
    },
  },
  {
    q: { zh: '我的行程信息的更新时间是？', en: 'When is my itinerary updated?' },
    a: {
      zh: [
        '每天早上8-10点，会统一更新前7天数据。用户前7天内的行程计算是在运营商后台完成的，比如9月8日计算的是9月8日之前7天内的行程数据（9月1日0点-9月7日24点之间）。',
      ],
      en: [
        "Every morning between 8 and 10 o'clock the data of the past 7 days are updated. Your operator computes them in its back office: on 8 September the card covers the 7 days before 8 September (1 September 00:00 to 7 September 24:00).",
      ],
    },
  },
  {
    q: { zh: '“通信大数据行程卡”为什么能准确证明我的位置？', en: 'Why can the card prove where I was?' },
    a: {
      zh: [
        '“通信大数据行程卡”分析的是手机信令数据，通过用户手机所处的基站位置获取，信令数据的采集、传输和处理过程高度自动化，且有极其严苛的安全隐私保护机制。',
      ],
      en: [
        'It analyses the signaling data of your phone, located by the cell towers it used. Collecting, transmitting and processing the signaling data is highly automated and protected by very strict security and privacy measures.',
      ],
    },
  },
  {
    q: { zh: '行程卡支持哪些类型手机号的查询？', en: 'Which numbers are supported?' },
    a: {
      zh: [
        '目前行程卡可支持国内三大运营商（中国电信、中国移动、中国联通）的一般手机号、“一卡多号”手机号、“携号转网”手机号的查询；不支持海外运营商手机号查询；虚拟运营商手机号查询不完全支持，不保证查询结果的准确性。',
      ],
      en: [
        'Ordinary numbers, secondary numbers ("one card, several numbers") and ported numbers of the three operators (China Telecom, China Mobile, China Unicom). Numbers of overseas operators are not supported. Numbers of virtual operators (MVNOs) are only partly supported, and their results are not guaranteed to be accurate.',
      ],
    },
  },
  {
    q: { zh: '客服的联系方式是多少？', en: 'How do I reach customer service?' },
    a: {
      zh: [
        `如果您在使用过程中打不开网页、收不到验证码或者行程查询出现了问题，请立即拨打所属运营商的客服热线，还是您熟悉的号码：${HOT.zh}。`,
      ],
      en: [
        `If the page does not open, the code does not arrive or the query goes wrong, call your operator's hotline, the numbers you know: ${HOT.en}.`,
      ],
    },
  },
];

export const CLOSING_NOTE: Texts<string> = {
  zh: '注意：“行程卡”服务数据可能存在偏差，请各地使用时注意使用风险，结合实际情况做调整。行程卡作为一项公益服务，用户可使用其证明自己的行程。管理部门可将行程卡的数据作为参考，但如果在行程查验过程中遇到用户查不到数据或查询结果和实际行程不符的情况，建议能结合用户提供的车票、机票或其他证明材料，综合判断查验结果。',
  en: 'Note: the data of the itinerary card may be off; weigh the risk and adjust to the actual situation. The card is a public service that people can use to prove their itinerary. Authorities may use its data as a reference, but when a person has no data or the result does not match the actual trip, judge together with the train or plane tickets and other proof the person provides.',
};
