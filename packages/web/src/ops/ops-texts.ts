// Every text of the operations page, Chinese by default and English (the same
// switch as the card's, kept in localStorage). One entry per chart, so a new
// panel adds its own block.
import type { Texts } from '../shared/lang.ts';

export const OPS_TEXTS: Texts<{
  title: string;
  langSwitch: string;
  langSwitchLabel: string;
  loading: string;
  tokenLabel: string;
  tokenOpen: string;
  enterToken: string;
  runsTitle: string;
  recordsRead: string;
  seconds: string;
  records: (op: string) => string;
  runTime: (op: string) => string;
  rejectsTitle: string;
  lines: string;
  accuracyTitle: string;
  accuracyNote: string;
  noTruth: string;
  precision: string;
  recall: string;
  f1: string;
  cities: string;
  coverage: (model: string) => string;
  borderFalse: string;
  listSep: string;
  accuracyColumns: string[];
  trafficTitle: string;
  trafficNote: string;
  requests: string;
  percent: string;
  serverFailures: string;
  userOutcomes: string;
  lookupTitle: string;
  phoneLabel: string;
  show: string;
  noStay: string;
  days: (n: number) => string;
  summary: (o: {
    date: string;
    subscribers: string;
    simulated: boolean;
    runs: number;
    perNode: string;
    timings: string;
  }) => string;
  timings: (sim: string, split: string, pipe: string) => string;
  personas: Record<string, string>;
  /** The pipeline's reject reasons (packages/pipeline quarantine.ts) in words. */
  reasons: Record<string, string>;
}> = {
  zh: {
    title: '通信大数据行程卡 · 运行监控',
    langSwitch: 'EN',
    langSwitchLabel: 'EN: switch to English',
    loading: '正在加载…',
    tokenLabel: '管理令牌（npm start 启动时打印，或 PLATFORM_ADMIN_TOKEN）',
    tokenOpen: '打开',
    enterToken: '请输入管理令牌。',
    runsTitle: '流水线运行：各运营商每日读取的信令记录数',
    recordsRead: '读取记录数',
    seconds: '秒',
    records: (op) => `${op} 记录数`,
    runTime: (op) => `${op} 运行时间`,
    rejectsTitle: '按原因统计的隔离记录',
    lines: '行',
    accuracyTitle: '准确率（模拟世界，按用户类型）',
    accuracyNote:
      '按模拟用户类型统计城市的 F1（7天窗口，即行程卡所示），坐标轴范围按数据选取；精确率、召回率及其背后的计数见下表（无法判定的城市不计分）。',
    noTruth: '数据来自 --input 目录：没有真实行程可供评分。',
    precision: '精确率',
    recall: '召回率',
    f1: 'F1',
    cities: '城市',
    coverage: (m) => `模拟世界的基站覆盖模型：${m}。`,
    borderFalse: '从未离开所在城市的人，按住处到市界的距离，被误列其他城市的人数/总人数：',
    listSep: '；',
    accuracyColumns: ['用户类型', '用户数', '城市正确', '误报', '漏报', '精确率', '召回率', 'F1'],
    trafficTitle: '每5秒查询量：服务故障与用户结果分开统计',
    trafficNote:
      '服务故障 = 5xx 应答（含 QUERY_FAILED 数据查询异常）；用户结果 = 4xx 应答（验证码错误、新开卡、无数据、请求过于频繁等正常结果）。',
    requests: '请求数',
    percent: '占比 %',
    serverFailures: '服务故障率（5xx）',
    userOutcomes: '用户结果占比（4xx）',
    lookupTitle: '解释一个结果：某个号码的每日行程',
    phoneLabel: '手机号码',
    show: '查看',
    noStay: '无停留4小时以上的城市',
    days: (n) => `${n}天`,
    summary: (o) =>
      `查询日 ${o.date} · ${o.subscribers} 名用户（${o.simulated ? '模拟世界' : '输入目录'}）· ${o.runs} 次流水线运行 · 各节点用户数：${o.perNode} · ${o.timings}`,
    timings: (a, b, c) => `模拟 ${a}，拆分 ${b}，流水线 ${c}`,
    personas: {
      home: '居家',
      border_resident: '边界居民',
      commuter: '跨城通勤',
      day_tripper: '当日往返',
      train_traveller: '火车出行',
      flyer: '乘飞机出行',
      abroad_roaming: '出境（开通漫游）',
      abroad_no_roaming: '出境（未开漫游）',
      night_off: '夜间关机',
    },
    reasons: {
      malformed_line: '格式错误的行',
      bad_msisdn: '号码有误',
      bad_timestamp: '时间有误',
      impossible_timestamp: '时间不可能',
      unknown_subscriber: '未知用户',
      unknown_cell: '未知基站',
      no_location: '无位置',
      unknown_plmn: '未知境外网络',
      duplicate: '重复记录',
      unreadable_file: '无法读取的文件',
      bad_cell_row: '基站表行有误',
      bad_subscriber_row: '用户表行有误',
    },
  },
  en: {
    title: 'Itinerary Card · Operations',
    langSwitch: '中文',
    langSwitchLabel: '切换到中文',
    loading: 'Loading…',
    tokenLabel: 'Admin token (printed by npm start, or PLATFORM_ADMIN_TOKEN)',
    tokenOpen: 'Open',
    enterToken: 'Enter the admin token.',
    runsTitle: 'Pipeline runs: records read per day and operator',
    recordsRead: 'records read',
    seconds: 'seconds',
    records: (op) => `${op} records`,
    runTime: (op) => `${op} run time`,
    rejectsTitle: 'Rejected records by reason',
    lines: 'lines',
    accuracyTitle: 'Accuracy on the simulated world, by persona',
    accuracyNote:
      'City F1 per simulated persona (the 7-day window the card shows), on an axis chosen from the data; precision, recall and the counts behind them in the table (undecidable cities are not scored).',
    noTruth: 'Served from --input: there is no ground truth to score against.',
    precision: 'precision',
    recall: 'recall',
    f1: 'F1',
    cities: 'cities',
    coverage: (m) => `Coverage model of the simulated world: ${m}.`,
    borderFalse: 'People who never left their city, by distance from home to the city border, with a false city / all:',
    listSep: '; ',
    accuracyColumns: [
      'persona',
      'subscribers',
      'cities right',
      'wrongly listed',
      'missed',
      'precision',
      'recall',
      'F1',
    ],
    trafficTitle: 'Queries per 5 s: server failures apart from user outcomes',
    trafficNote:
      'Server failures = 5xx answers (QUERY_FAILED included); user outcomes = 4xx answers (wrong code, new number, no data, rate limit: ordinary results).',
    requests: 'requests',
    percent: '%',
    serverFailures: 'server failures (5xx)',
    userOutcomes: 'user outcomes (4xx)',
    lookupTitle: "Explain a result: one subscriber's itinerary",
    phoneLabel: 'Phone number',
    show: 'Show',
    noStay: 'no stay of 4 h or more',
    days: (n) => `${n} days`,
    summary: (o) =>
      `Query day ${o.date} · ${o.subscribers} subscribers (${o.simulated ? 'simulated world' : 'input directory'}) · ${o.runs} pipeline runs · subscribers per node: ${o.perNode} · ${o.timings}`,
    timings: (a, b, c) => `simulate ${a}, split ${b}, pipelines ${c}`,
    personas: {
      home: 'stay-at-home',
      border_resident: 'border resident',
      commuter: 'commuter',
      day_tripper: 'day tripper',
      train_traveller: 'train traveller',
      flyer: 'flyer',
      abroad_roaming: 'abroad (roaming)',
      abroad_no_roaming: 'abroad (no roaming)',
      night_off: 'phone off at night',
    },
    reasons: {
      malformed_line: 'malformed line',
      bad_msisdn: 'bad number',
      bad_timestamp: 'bad time',
      impossible_timestamp: 'impossible time',
      unknown_subscriber: 'unknown subscriber',
      unknown_cell: 'unknown cell',
      no_location: 'no location',
      unknown_plmn: 'unknown foreign network',
      duplicate: 'duplicate',
      unreadable_file: 'unreadable file',
      bad_cell_row: 'bad cell row',
      bad_subscriber_row: 'bad subscriber row',
    },
  },
};
