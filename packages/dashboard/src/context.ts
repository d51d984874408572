/** What every view gets: the API client, the banner for errors, navigation, and a place to render into. */
import { type Api, ApiError } from './api.js';
import { h, replaceChildren } from './dom.js';

/** A rendered view; `destroy` stops its timers and charts. */
export interface View {
  destroy(): void;
}

/** Shared by the views of one page. */
export interface AppContext {
  api: Api;
  main: HTMLElement;
  navigate(hash: string): void;
  /** Shows an error (or clears the banner with null); `retry` adds a button. */
  showError(error: unknown, retry?: () => void): void;
}

/** The banner element and the function that fills it. */
export function createBanner(): { el: HTMLElement; show: AppContext['showError'] } {
  const el = h('div', { class: 'banner', attrs: { role: 'alert', id: 'banner', hidden: '' } });
  const show: AppContext['showError'] = (error, retry) => {
    if (error === null || error === undefined) {
      el.hidden = true;
      replaceChildren(el);
      return;
    }
    // A 401 already sent the person back to the login page, which says why.
    if (error instanceof ApiError && error.kind === 'unauthorized') return;
    const unreachable = error instanceof ApiError && error.kind === 'unreachable';
    const message = error instanceof Error ? error.message : JSON.stringify(error);
    el.hidden = false;
    el.dataset.kind = unreachable ? 'unreachable' : 'error';
    replaceChildren(
      el,
      h('strong', {}, unreachable ? 'Server unreachable. ' : 'Something went wrong. '),
      h('span', { class: 'banner-text' }, message),
      retry
        ? h('button', { class: 'button small', attrs: { type: 'button' }, on: { click: retry } }, 'Retry')
        : null,
    );
  };
  return { el, show };
}

/** Relative time for people: "in 2 s", "5 min ago". */
export function relativeTime(ms: number, nowMs = Date.now()): string {
  const diff = ms - nowMs;
  const abs = Math.abs(diff);
  const [value, unit] =
    abs < 60_000
      ? [Math.round(abs / 1000), 's']
      : abs < 3_600_000
        ? [Math.round(abs / 60_000), 'min']
        : abs < 86_400_000
          ? [Math.round(abs / 3_600_000), 'h']
          : [Math.round(abs / 86_400_000), 'd'];
  if (value === 0) return 'now';
  return diff > 0 ? `in ${value} ${unit}` : `${value} ${unit} ago`;
}

/** Date and time in the person's locale. */
export function dateTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** `#/profile?space=…` for a profile key (and view options). */
export function profileHash(
  key: { space: string; name: string; version: string },
  extra: Record<string, string> = {},
) {
  return `#/profile?${new URLSearchParams({ space: key.space, name: key.name, version: key.version, ...extra }).toString()}`;
}
