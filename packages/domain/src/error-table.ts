// Every error a user, partner or operator can see: stable code, HTTP status,
// and the message in Chinese (the seed's wording where it gives one) and English.
export interface ErrorRow {
  status: number;
  zh: string;
  en: string;
}

export const ERROR_TABLE = {
  // Login and SMS codes (API.md)
  INVALID_PHONE: { status: 400, zh: '请输入正确的手机号码', en: 'Please enter a valid mainland China mobile number.' },
  UNSUPPORTED_NUMBER: {
    status: 400,
    zh: '暂不支持海外运营商手机号查询',
    en: 'Numbers of overseas operators are not supported.',
  },
  TOO_MANY_REQUESTS: {
    status: 429,
    zh: '请求过于频繁，请稍后再试',
    en: 'Too many requests. Please try again later.',
  },
  SMS_SEND_FAILED: {
    status: 503,
    zh: '发送短信失败。高峰时段可能会因短时间内请求量过大造成短信拥堵，建议等待一段时间后重新尝试；如仍收不到验证码，请联系所属运营商的客服（电信10000/移动10086/联通10010）。',
    en: 'Failed to send the SMS. At peak hours the SMS network can be congested: please wait a while and try again. If the code still does not arrive, call your operator (Telecom 10000 / Mobile 10086 / Unicom 10010).',
  },
  SMS_INBOUND_DISABLED: {
    status: 403,
    zh: '本平台未开放HTTP上行短信接口，请发送短信CXMYD到所属运营商（电信10000/移动10086/联通10010）进行查询',
    en: 'This platform takes inbound SMS from the SMS centre only: text CXMYD to your operator (Telecom 10000 / Mobile 10086 / Unicom 10010).',
  },
  SMS_TOO_LONG: { status: 400, zh: '短信内容过长', en: 'The SMS text is too long.' },
  CODE_INVALID: { status: 401, zh: '验证码错误，请重新输入', en: 'The verification code is wrong. Please try again.' },
  CODE_EXPIRED: {
    status: 401,
    zh: '验证码已失效，请重新获取',
    en: 'The verification code has expired. Please request a new one.',
  },
  TOO_MANY_ATTEMPTS: {
    status: 429,
    zh: '验证码错误次数过多，请稍后重新获取',
    en: 'Too many wrong codes. Please request a new code later.',
  },
  UNAUTHENTICATED: { status: 401, zh: '登录已失效，请重新登录', en: 'Your session has expired. Please log in again.' },
  // Itinerary answers (API.md, seed FAQ 8-10 and 7)
  ILLEGAL_ACCESS: {
    status: 403,
    zh: '非法访问。一般是手机系统时间和北京时间不一致造成的，建议在设置中将手机系统时间和北京时间调成一致再查询。如果仍有问题，请立即联系所属运营商的客服（电信10000/移动10086/联通10010）。',
    en: "Illegal access. This usually means your phone's clock differs from Beijing time: set it to Beijing time and query again. If the problem persists, call your operator (Telecom 10000 / Mobile 10086 / Unicom 10010).",
  },
  NEW_SUBSCRIBER: {
    status: 403,
    zh: '经核验，您所使用的手机号码开户时间未满7天，暂不提供行程查询服务。建议您与相关防疫部门沟通，根据个人旅行车票、住宿单据、社区证明等来确定自己的行程。',
    en: 'Verified: your number was opened less than 7 days ago, so no itinerary can be given yet. Please talk to the local epidemic-prevention office and use your tickets, accommodation receipts or a community certificate to establish your itinerary.',
  },
  NO_DATA: {
    status: 404,
    zh: '未查询到您的行程数据。行程卡分析的是手机信令数据和话单数据，所以有行程数据的前提是您在使用手机的过程中产生了这些信令和话单数据。您可以尝试多打几通电话，或者关闭Wi-Fi连接使用一下数据流量，通常第二天就能查到数据了。此外，如果您是“携号转网”的用户，用户信息同步及行程计算有一定时间差，行程信息的计算会有1-2天的延迟。',
    en: 'No itinerary data was found. The card is computed from the signaling and call records your phone produces: make a few calls, or turn off Wi-Fi and use mobile data for a while; the data usually appears the next day. If you ported your number to another operator, the itinerary is delayed by 1-2 days.',
  },
  QUERY_FAILED: {
    status: 503,
    zh: '数据查询异常。行程卡查询需要在网络通畅的情况下进行，请稍后重试；如果条件允许，您可以试试更换其它手机查询同一号码的行程。',
    en: 'Data query error. The query needs a working network: please try again later, or query the same number from another phone.',
  },
  // A client of the platform (the health-code system, the card page) got a 200 whose body is not the
  // itinerary answer's schema (@itinerary-card/domain/wire): nothing of it is shown or kept.
  ANSWER_MALFORMED: {
    status: 502,
    zh: '数据查询异常：行程卡平台返回的数据格式有误，请稍后重试。',
    en: 'Data query error: the itinerary platform answered in an unexpected format. Please try again later.',
  },
  // Generic
  BAD_REQUEST: { status: 400, zh: '请求参数有误', en: 'The request is malformed.' },
  INVALID_TIME: {
    status: 400,
    zh: '日期或时间格式有误：请使用日期（2026-11-25，即北京时间当日0时）或带时区的时间（2026-11-25T08:00:00+08:00）',
    en: 'Invalid date or time: give a date (2026-11-25, meaning 00:00 Beijing time that day) or an instant with its offset (2026-11-25T08:00:00+08:00).',
  },
  NOT_FOUND: { status: 404, zh: '您访问的内容不存在', en: 'Not found.' },
  FORBIDDEN: { status: 403, zh: '无权访问', en: 'Access denied.' },
  CONSENT_REQUIRED: {
    status: 403,
    zh: '未获得本人授权，不能查询行程',
    en: "The owner's consent is required to read this itinerary.",
  },
  PAYLOAD_TOO_LARGE: { status: 413, zh: '请求内容过大', en: 'The request is too large.' },
  INTERNAL: { status: 500, zh: '系统繁忙，请稍后再试', en: 'Internal error. Please try again later.' },
  // A storage outage (PostgreSQL or Redis unreachable or too slow), or nowhere left to keep a record safely.
  STORAGE_UNAVAILABLE: {
    status: 503,
    zh: '系统繁忙，服务暂时不可用，请稍后再试',
    en: 'The service is temporarily unavailable. Please try again in a moment.',
  },
  // Pipeline and configuration
  INPUT_UNUSABLE: {
    status: 400,
    zh: '输入目录不可用',
    en: 'The input directory is unusable.',
  },
  INPUT_PARTIAL: {
    status: 422,
    zh: '部分输入文件无法读取（被截断、损坏或无法打开），结果缺少其中的记录；确认接受时请加 --allow-partial',
    en: 'Part of the input could not be read (a file cut short, corrupt or unopenable): the result lacks its records. Pass --allow-partial to accept it.',
  },
  DAY_WITHOUT_RECORDS: {
    status: 422,
    zh: '该日没有读到任何信令记录（当日文件可能尚未送达）；文件送达后会自动重算',
    en: "No signaling record of the day was read (the day's files may not have arrived); the day is run again when they do.",
  },
  SNAPSHOT_NOT_BUILT: {
    status: 409,
    zh: '该查询日的快照尚未生成',
    en: 'No snapshot has been built for that query day.',
  },
  CONFIG_INVALID: { status: 500, zh: '配置有误', en: 'Invalid configuration.' },
  SNAPSHOT_KEY_MISMATCH: {
    status: 500,
    zh: '快照的假名密钥与本节点的 NODE_PSEUDONYM_KEY 不一致，拒绝加载',
    en: "The snapshot was made with another pseudonym key than this node's NODE_PSEUDONYM_KEY: refused.",
  },
  SPILL_NO_ROOM: {
    status: 507,
    zh: '临时分片文件所需磁盘空间不足（请将 TMPDIR 指向更大的磁盘，或调大 --shard-records）',
    en: "Not enough disk space for the run's temporary shard files (point TMPDIR at a larger disk, or raise --shard-records).",
  },
  // Health-code system (apps/health-code)
  ID_NUMBER_INVALID: {
    status: 400,
    zh: '请输入正确的18位居民身份证号码',
    en: 'Please enter a valid 18-character resident ID card number.',
  },
  NAME_INVALID: { status: 400, zh: '请输入正确的姓名', en: 'Please enter a valid name.' },
  NOT_REGISTERED: {
    status: 404,
    zh: '您还未申领昌通码，请先申领',
    en: 'You have not applied for a health code yet. Please apply first.',
  },
  ALREADY_REGISTERED: {
    status: 409,
    zh: '您已申领过昌通码，无需重复申领，如需变更请修改信息',
    en: 'You already have a health code. To change your details, edit them instead.',
  },
  ITINERARY_CHECK_EXPIRED: {
    status: 400,
    zh: '行程查询结果已失效，请重新勾选授权查询',
    en: 'The itinerary query result has expired. Please authorise the query again.',
  },
  HEALTH_CODE_FORGED: {
    status: 400,
    zh: '无效的二维码：签名校验失败，可能是伪造或被篡改的码',
    en: 'Invalid code: the signature does not verify; the code is forged or altered.',
  },
  HEALTH_CODE_EXPIRED: {
    status: 400,
    zh: '二维码已过期，请出示实时刷新的昌通码',
    en: 'The code has expired. Please show the live, refreshing code.',
  },
  VENUE_CODE_INVALID: {
    status: 400,
    zh: '无效的场所码，请扫描张贴的昌通码场所码或核验码',
    en: 'Invalid venue code. Please scan a posted venue or checkpoint code.',
  },
  SIGNING_UNAVAILABLE: {
    status: 503,
    zh: '昌通码签发暂时不可用，请稍后刷新重试',
    en: 'Codes cannot be signed at the moment. Please refresh and try again shortly.',
  },
  VENUE_REPRINT_REQUIRED: {
    status: 400,
    zh: '该场所码已失效，请联系场所管理方更换新的场所码',
    en: 'This venue code is no longer valid. Please ask the venue to post its new code.',
  },
  ID_NAME_MISMATCH: {
    status: 400,
    zh: '姓名与身份证号码不一致，请核对后重新提交',
    en: 'The name does not match the ID number. Please check and submit again.',
  },
  CLAIM_DISPUTED: {
    status: 409,
    zh: '该身份证号码的昌通码近期已多次被认领，请携带身份证件联系当地防疫部门处理',
    en: 'The code of this ID number has been claimed several times recently. Please contact the epidemic-prevention office with your ID card.',
  },
  // Partner consents (API.md): the owner's proof
  CONSENT_PROOF_REQUIRED: {
    status: 403,
    zh: '记录授权需要本人的短信验证授权凭证',
    en: "Recording a consent needs the owner's grant (from the owner's SMS confirmation).",
  },
  CONSENT_PROOF_INVALID: {
    status: 403,
    zh: '授权凭证无效、已使用或已过期，请本人重新进行短信验证授权',
    en: "The owner's grant is invalid, used or expired. The owner must confirm again by SMS.",
  },
} as const satisfies Record<string, ErrorRow>;

export type ErrorCode = keyof typeof ERROR_TABLE;
