// The health-code home: the holder's entry points and the staff's verification page.
import { h, replaceChildren } from '../shared/h.ts';
import { hcConfig } from './lib/hc-api.ts';
import { mount } from './lib/page.ts';

const main = mount('昌通码');
const links: Array<[string, string, string]> = [
  ['code.html', '我的昌通码', '出示实时刷新的二维码'],
  ['scan.html', '扫码打卡', '扫描场所码或卡口核验码，打卡并可授权查询14天行程'],
  ['register.html', '首次申领', '填写个人信息与健康申报，可授权查询14天行程'],
  ['edit.html', '修改信息', '更新个人信息与健康申报'],
  ['venue.html', '场所码申领', '单位码、小区码、车辆码、核验码，下载张贴海报'],
  ['verify.html', '核验（工作人员）', '扫描或上传昌通码，离线校验签名'],
];
replaceChildren(
  main,
  h(
    'section',
    { class: 'panel hc-home' },
    h(
      'p',
      { class: 'hc-muted', id: 'home-intro' },
      '“两码合一”：申领、修改信息和扫码打卡时，可授权查询通信大数据行程卡14天行程。',
    ),
    ...links.map(([href, title, sub]) =>
      h('a', { class: 'hc-home-link', href }, h('strong', {}, title), h('span', {}, sub)),
    ),
  ),
);
void hcConfig().then((c) => {
  document.title = `${c.cityName}${c.codeName}`;
});
