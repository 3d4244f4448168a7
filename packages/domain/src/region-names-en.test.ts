import { describe, expect, it } from 'vitest';
import { allRegions, cityNameEn, provinceNameEn, regionNameEn } from './index.ts';

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
    expect(cityNameEn('西双版纳傣族自治州')).toBe('Xishuangbanna Dai Autonomous Prefecture');
    expect(cityNameEn('海西蒙古族藏族自治州')).toBe('Haixi Menggu Zang Autonomous Prefecture');
    expect(provinceNameEn('香港特别行政区')).toBe('Hong Kong');
  });

  it('has an English name in Latin letters for every city of the data', () => {
    const bad = [...allRegions().keys()].filter((c) => !/^[A-Z][A-Za-z' ]+$/.test(regionNameEn(c)?.city ?? ''));
    expect(bad).toEqual([]);
  });
});
