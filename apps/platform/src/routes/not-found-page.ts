// What a person who mistyped an address sees: a short page in their language
// with a link home, instead of the API's JSON. API clients (no text/html in
// Accept, as fetch and curl send) keep the JSON error body.
import type { Lang } from '@itinerary-card/domain';

const TEXT = {
  zh: {
    title: '页面不存在 · 通信大数据行程卡',
    heading: '您访问的页面不存在',
    body: '请检查网址是否输入正确。',
    home: '返回行程卡查询首页',
    help: '查看使用指南和常见问题',
  },
  en: {
    title: 'Page not found · Itinerary Card',
    heading: 'This page does not exist',
    body: 'Please check the address.',
    home: 'Go to the itinerary card',
    help: 'Read the guide and FAQ',
  },
} as const;

/** No script and no inline style, so it stands under any content security policy. */
export function notFoundPage(lang: Lang): string {
  const t = TEXT[lang];
  return `<!doctype html>
<html lang="${lang === 'en' ? 'en' : 'zh-CN'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/favicon.ico">
<title>${t.title}</title>
</head>
<body>
<main>
<h1>${t.heading}</h1>
<p>${t.body}</p>
<p><a href="/">${t.home}</a></p>
<p><a href="/help">${t.help}</a></p>
</main>
</body>
</html>
`;
}
