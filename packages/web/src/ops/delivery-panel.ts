// The operations page's SMS delivery panel, self-contained: it adds its own card
// to the page and polls /ops/api/sms (delivery receipts by state) with the
// page's admin token, in the page's language (zh unless <html lang> says en).

interface SmsDelivery {
  receipts: Record<string, number>;
  final: number;
  delivered: number;
  rate: number | null;
}

const TEXT = {
  zh: {
    title: '短信送达率（回执）',
    none: '尚无最终状态的回执',
    of: (d: number, f: number) => `${f} 条最终回执中 ${d} 条已送达`,
    states: '按状态',
  },
  en: {
    title: 'SMS delivery rate (receipts)',
    none: 'No receipt in a final state yet',
    of: (d: number, f: number) => `${d} of ${f} final receipts delivered`,
    states: 'By state',
  },
};

function lang(): keyof typeof TEXT {
  return document.documentElement.lang.toLowerCase().startsWith('en') ? 'en' : 'zh';
}

function render(card: HTMLElement, d: SmsDelivery | undefined): void {
  const t = TEXT[lang()];
  const h2 = document.createElement('h2');
  h2.textContent = t.title;
  const rate = document.createElement('p');
  rate.className = 'ops-delivery-rate';
  rate.dataset.testid = 'sms-delivery-rate';
  const detail = document.createElement('p');
  const list = document.createElement('ul');
  list.className = 'ops-delivery-states';
  list.setAttribute('aria-label', t.states);
  if (!d || d.rate === null) {
    rate.textContent = '–';
    detail.textContent = t.none;
  } else {
    rate.textContent = `${(d.rate * 100).toFixed(1)} %`;
    detail.textContent = t.of(d.delivered, d.final);
  }
  for (const [status, n] of Object.entries(d?.receipts ?? {}).sort((a, b) => b[1] - a[1])) {
    const li = document.createElement('li');
    li.textContent = `${status} ${n.toLocaleString('en')}`;
    list.append(li);
  }
  card.replaceChildren(h2, rate, detail, list);
}

/** Adds the panel to `grid` and keeps it current every `everyMs`. */
export function startDeliveryPanel(grid: Element, token: () => string, everyMs = 5_000): void {
  if (document.getElementById('sms-delivery')) return; // the page loads again after a token is entered
  const card = document.createElement('section');
  card.className = 'ops-card';
  card.id = 'sms-delivery';
  grid.append(card);
  let last: SmsDelivery | undefined;
  render(card, last);
  const refresh = async () => {
    const r = await fetch('/ops/api/sms', { headers: { authorization: `Bearer ${token()}` } });
    if (!r.ok) return;
    last = (await r.json()) as SmsDelivery;
    render(card, last);
  };
  void refresh().catch(() => {});
  setInterval(() => void refresh().catch(() => {}), everyMs);
  // A language switch on the page re-labels the panel at once.
  new MutationObserver(() => render(card, last)).observe(document.documentElement, {
    attributes: true,
    attributeFilter: ['lang'],
  });
}
