// The notes an itinerary answer may carry, in the seed's wording (FAQ 6, 7, 14)
// and the card's risk-mark footnote.
import type { Lang } from '@itinerary-card/domain';

const NOTES = {
  risk: {
    zh: '*注：* 表示当前该城市存在中风险或高风险地区，并不表示用户实际到访过这些中高风险地区。',
    en: '* The city currently contains a medium- or high-risk area; the mark does not mean that the person visited that area.',
  },
  mvno: {
    zh: '虚拟运营商手机号查询不完全支持，不保证查询结果的准确性。',
    en: 'Numbers of virtual operators (MVNO) are not fully supported: the accuracy of the result is not guaranteed.',
  },
  porting: {
    zh: '如果您是“携号转网”的用户，用户信息同步及行程计算有一定时间差，行程信息的计算会有1-2天的延迟。',
    en: 'If you ported your number to another operator, syncing the subscriber data takes time: the itinerary is delayed by 1-2 days.',
  },
  crossover: {
    zh: '由于服务使用的是基站数据，为了确保通信连续、实现覆盖无盲区，行政区划交界处的两地基站信号可能会交叉覆盖，造成结果的偏差，使用时可结合其他证明做相应调整。',
    en: 'The service uses cell-tower data: at administrative borders the cells of two cities can overlap, which may skew the result; combine it with other evidence when needed.',
  },
} as const satisfies Record<string, Record<Lang, string>>;

export type NoteKey = keyof typeof NOTES;

export function note(key: NoteKey, lang: Lang): string {
  return NOTES[key][lang];
}
