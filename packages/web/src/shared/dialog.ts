// An accessible modal dialog on the native <dialog> element: the rest of the
// page is inert while it is open, Tab cycles inside it, Escape closes it, and
// focus goes back to where it was.
import { h, replaceChildren } from './h.ts';

export interface DialogAction {
  label: string;
  /** The highlighted action; it gets the focus when the dialog opens. */
  primary?: boolean;
  /** Runs after the dialog closed. */
  run?: () => void;
  /** A link instead of a button (e.g. the help page). */
  href?: string;
}

export interface DialogOptions {
  title: string;
  message: string;
  /** What to do next, shown under the message. */
  next?: string;
  actions: DialogAction[];
  /** Where focus goes on close when the element that had it is gone or disabled. */
  fallbackFocus?: () => HTMLElement | null | undefined;
}

let dialog: HTMLDialogElement | undefined;

function ensureDialog(): HTMLDialogElement {
  if (dialog) return dialog;
  const el = h('dialog', {
    class: 'dlg',
    'aria-labelledby': 'dlg-title',
    'aria-describedby': 'dlg-message dlg-next',
  });
  el.addEventListener('keydown', (e) => {
    if (e.key !== 'Tab') return;
    const items = [...el.querySelectorAll<HTMLElement>('a[href], button:not([disabled])')];
    if (items.length === 0) return;
    const first = items[0]!;
    const last = items[items.length - 1]!;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  });
  document.body.appendChild(el);
  dialog = el;
  return el;
}

/** Opens the dialog; resolves when it closes (by an action, Escape or the close button). */
export function showDialog(opts: DialogOptions): Promise<void> {
  const el = ensureDialog();
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  let chosen: DialogAction | undefined;
  const buttons = opts.actions.map((a) => {
    const cls = a.primary ? 'btn btn-primary' : 'btn';
    if (a.href) return h('a', { class: cls, href: a.href }, a.label);
    return h(
      'button',
      {
        type: 'button',
        class: cls,
        onclick: () => {
          chosen = a;
          el.close();
        },
      },
      a.label,
    );
  });
  replaceChildren(
    el,
    h('h2', { id: 'dlg-title', class: 'dlg-title' }, opts.title),
    h('p', { id: 'dlg-message', class: 'dlg-message' }, opts.message),
    opts.next ? h('p', { id: 'dlg-next', class: 'dlg-next' }, opts.next) : null,
    h('div', { class: 'dlg-actions' }, ...buttons),
  );
  if (el.open) el.close();
  el.showModal();
  const primary = opts.actions.findIndex((a) => a.primary);
  (buttons[Math.max(primary, 0)] ?? el).focus();
  return new Promise((resolve) => {
    el.addEventListener(
      'close',
      () => {
        const back =
          opener?.isConnected && opener !== document.body && !opener.matches(':disabled') ? opener : undefined;
        (back ?? opts.fallbackFocus?.())?.focus();
        resolve();
        chosen?.run?.();
      },
      { once: true },
    );
  });
}
