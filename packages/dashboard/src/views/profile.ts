/**
 * One profile: a chart per metric of the binned observed means against the baseline band over a chosen range, the
 * alerts (active and acknowledged) with acknowledge, and the profile JSON to read or download. Auto-refreshes.
 */
import { ApiError } from '../api.js';
import { type CustomProfile, bandOf, describeBand, formatNumber, placeOf } from '../band.js';
import { type Point, dataTable, drawChart } from '../chart.js';
import type { AppContext, View } from '../context.js';
import { dateTime, relativeTime } from '../context.js';
import { h, replaceChildren } from '../dom.js';
import type { AlertJson, BinnedMetricsJson, ProfileSummary } from '../types.js';

const REFRESH_MS = 15_000;
/** Server `TimeInterval` names and their length. */
const INTERVAL_MINUTES = { FifteenMinutes: 15, OneHour: 60, TwentyFourHours: 1440, FiveDays: 7200 } as const;
type IntervalName = keyof typeof INTERVAL_MINUTES;
const RANGES = [
  { id: '15m', label: 'Last 15 minutes', interval: 'FifteenMinutes' },
  { id: '1h', label: 'Last hour', interval: 'OneHour' },
  { id: '24h', label: 'Last 24 hours', interval: 'TwentyFourHours' },
  { id: '7d', label: 'Last 7 days', interval: null },
  { id: 'custom', label: 'Custom range…', interval: null },
] as const;
type RangeId = (typeof RANGES)[number]['id'];
const MAX_BINS = 600;

interface Key {
  space: string;
  name: string;
  version: string;
}

/** The `GET /scouter/drift/custom` query for a range; bins as long as one scheduled check when that fits. */
function driftQuery(
  key: Key,
  params: URLSearchParams,
  periodMs: number,
): { query: Record<string, string | number>; binMs: number } | string {
  const range = (params.get('range') ?? '1h') as RangeId;
  const preset = RANGES.find((r) => r.id === range) ?? RANGES[1];
  let interval: IntervalName;
  let rangeMs: number;
  let custom: { begin: string; end: string } | null = null;
  if (preset.interval !== null) {
    interval = preset.interval;
    rangeMs = INTERVAL_MINUTES[interval] * 60_000;
  } else {
    const end = preset.id === '7d' ? Date.now() : Date.parse(params.get('end') ?? '');
    const begin = preset.id === '7d' ? end - 7 * 86_400_000 : Date.parse(params.get('begin') ?? '');
    if (!Number.isFinite(begin) || !Number.isFinite(end))
      return 'Pick a start and an end for the custom range.';
    if (begin >= end) return 'The start of the custom range must be before its end.';
    interval = 'FiveDays';
    rangeMs = end - begin;
    custom = { begin: new Date(begin).toISOString(), end: new Date(end).toISOString() };
  }
  const binMs = Math.max(1000, periodMs, Math.ceil(rangeMs / MAX_BINS / 1000) * 1000);
  const intervalMs = INTERVAL_MINUTES[interval] * 60_000;
  const query: Record<string, string | number> = {
    ...key,
    time_interval: interval,
    max_data_points: Math.max(1, Math.round(intervalMs / binMs)),
    drift_type: 'Custom',
  };
  if (custom) {
    query.begin_custom_datetime = custom.begin;
    query.end_custom_datetime = custom.end;
  }
  return { query, binMs: intervalMs / Number(query.max_data_points) };
}

function durationText(ms: number): string {
  if (ms < 60_000) return `${formatNumber(ms / 1000)} s`;
  if (ms < 3_600_000) return `${formatNumber(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${formatNumber(ms / 3_600_000)} h`;
  return `${formatNumber(ms / 86_400_000)} d`;
}

function pointsOf(series: BinnedMetricsJson['metrics'][string] | undefined): Point[] {
  if (!series) return [];
  const points = series.created_at.map((createdAt, i) => {
    const s = series.stats[i];
    return {
      createdAt,
      timeMs: Date.parse(createdAt),
      avg: s?.avg ?? Number.NaN,
      lowerBound: s?.lower_bound ?? Number.NaN,
      upperBound: s?.upper_bound ?? Number.NaN,
    };
  });
  return points.sort((a, b) => a.timeMs - b.timeMs);
}

/** An alert value (Rust's f64 Display) rounded for reading, the exact text in the tooltip. */
function numberCell(text: string | undefined): HTMLTableCellElement {
  const n = Number(text);
  return h(
    'td',
    { class: 'num', attrs: { title: text ?? '' } },
    text === undefined ? '–' : Number.isFinite(n) && text.trim() !== '' ? formatNumber(n) : text,
  );
}

function localInputValue(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** Renders the profile page for the key in `params`. */
export function renderProfile(ctx: AppContext, params: URLSearchParams): View {
  const key: Key = {
    space: params.get('space') ?? '',
    name: params.get('name') ?? '',
    version: params.get('version') ?? '',
  };
  const alertFilter = params.get('alerts') === 'all' ? 'all' : 'active';
  let summary: ProfileSummary | undefined;
  let profile: CustomProfile | undefined;
  let stopped = false;
  const charts: Array<() => void> = [];
  const clearCharts = () => charts.splice(0).forEach((destroy) => destroy());

  const navigateWith = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    ctx.navigate(`#/profile?${next.toString()}`);
  };

  const meta = h('dl', { class: 'meta' });
  const chartsEl = h('div', { class: 'charts' }, h('p', { class: 'muted loading' }, 'Loading observations…'));
  const rangeNote = h('span', { class: 'muted small', attrs: { id: 'range-note' } });
  const updated = h('span', { class: 'muted small', attrs: { id: 'updated' } });
  const alertsEl = h('div', {}, h('p', { class: 'muted loading' }, 'Loading alerts…'));
  const jsonEl = h('pre', { class: 'json', attrs: { id: 'profile-json' } });

  const range = params.get('range') ?? '1h';
  const rangeSelect = h(
    'select',
    {
      attrs: { id: 'range', 'aria-label': 'Time range' },
      on: {
        change: () => {
          const value = rangeSelect.value;
          if (value === 'custom') {
            const end = Date.now();
            navigateWith({
              range: value,
              begin: localInputValue(end - 3_600_000),
              end: localInputValue(end),
            });
          } else navigateWith({ range: value, begin: null, end: null });
        },
      },
    },
    ...RANGES.map((r) =>
      h('option', { attrs: { value: r.id, ...(r.id === range ? { selected: '' } : {}) } }, r.label),
    ),
  );
  const beginInput = h('input', {
    attrs: { type: 'datetime-local', id: 'range-begin', value: params.get('begin') ?? '' },
  });
  const endInput = h('input', {
    attrs: { type: 'datetime-local', id: 'range-end', value: params.get('end') ?? '' },
  });
  const customControls =
    range === 'custom'
      ? h(
          'span',
          { class: 'custom-range' },
          beginInput,
          h('span', { class: 'muted' }, 'to'),
          endInput,
          h(
            'button',
            {
              class: 'button small',
              attrs: { type: 'button', id: 'range-apply' },
              on: { click: () => navigateWith({ begin: beginInput.value, end: endInput.value }) },
            },
            'Apply',
          ),
        )
      : null;
  const auto = h('input', { attrs: { type: 'checkbox', id: 'auto-refresh', checked: '' } });

  const download = h(
    'button',
    {
      class: 'button small',
      attrs: { type: 'button', id: 'download-profile', disabled: '' },
      on: {
        click: () => {
          if (!profile) return;
          const blob = new Blob([`${JSON.stringify(profile, null, 2)}\n`], { type: 'application/json' });
          const url = URL.createObjectURL(blob);
          const a = h('a', {
            attrs: { href: url, download: `${key.name}_${key.space}_${key.version}_Custom.json` },
          });
          document.body.append(a);
          a.click();
          a.remove();
          setTimeout(() => URL.revokeObjectURL(url), 10_000);
        },
      },
    },
    'Download JSON',
  );

  replaceChildren(
    ctx.main,
    h(
      'nav',
      { class: 'crumbs', attrs: { 'aria-label': 'Breadcrumb' } },
      h('a', { attrs: { href: '#/' } }, 'Models'),
      h('span', { class: 'sep' }, '/'),
      h('span', {}, key.space),
      h('span', { class: 'sep' }, '/'),
      h('span', {}, key.name),
    ),
    h(
      'div',
      { class: 'page-head' },
      h(
        'div',
        {},
        h(
          'h1',
          { attrs: { id: 'profile-title' } },
          key.name,
          ' ',
          h('span', { class: 'version' }, `v${key.version}`),
        ),
        meta,
      ),
    ),
    h(
      'div',
      { class: 'toolbar' },
      h('label', { attrs: { for: 'range' } }, 'Range'),
      rangeSelect,
      customControls,
      rangeNote,
      h('span', { class: 'spacer' }),
      h('label', { class: 'check' }, auto, `Auto-refresh every ${REFRESH_MS / 1000} s`),
      h(
        'button',
        { class: 'button small', attrs: { type: 'button', id: 'refresh' }, on: { click: () => void load() } },
        'Refresh',
      ),
      updated,
    ),
    chartsEl,
    h(
      'section',
      { class: 'card', attrs: { id: 'alerts', 'aria-labelledby': 'alerts-title' } },
      h(
        'div',
        { class: 'card-head' },
        h('h2', { class: 'card-title', attrs: { id: 'alerts-title' } }, 'Alerts'),
        h(
          'div',
          { class: 'segmented', attrs: { role: 'group', 'aria-label': 'Alert filter' } },
          ...(['active', 'all'] as const).map((f) =>
            h(
              'button',
              {
                class: `button small${f === alertFilter ? ' selected' : ''}`,
                attrs: { type: 'button', 'aria-pressed': String(f === alertFilter), 'data-filter': f },
                on: { click: () => navigateWith({ alerts: f === 'all' ? 'all' : null }) },
              },
              f === 'active' ? 'Active' : 'All (incl. acknowledged)',
            ),
          ),
        ),
      ),
      alertsEl,
    ),
    h(
      'section',
      { class: 'card' },
      h(
        'details',
        { attrs: { id: 'profile-details' } },
        h('summary', {}, h('span', { class: 'card-title' }, 'Profile JSON'), ' ', download),
        jsonEl,
      ),
    ),
  );

  const renderMeta = () => {
    const items: Array<[string, Node | string]> = [];
    if (summary) {
      items.push([
        'Status',
        h(
          'span',
          { class: `badge ${summary.active ? 'badge-active' : 'badge-inactive'}` },
          summary.active ? 'Active' : 'Inactive',
        ),
      ]);
      items.push(['Drift type', summary.drift_type]);
      items.push(['Schedule', h('code', {}, summary.schedule)]);
      const next = Date.parse(summary.next_run);
      items.push([
        'Next check',
        summary.active && next < 8.6e15 ? `${relativeTime(next)} (${dateTime(next)})` : '–',
      ]);
      items.push(['Last check', dateTime(Date.parse(summary.previous_run))]);
      if (!summary.writable) items.push(['Access', 'read-only']);
    }
    replaceChildren(
      meta,
      ...items.map(([term, value]) =>
        h('div', { class: 'meta-item' }, h('dt', {}, term), h('dd', {}, value)),
      ),
    );
  };

  const renderCharts = (binned: BinnedMetricsJson, binMs: number) => {
    if (!profile) return;
    clearCharts();
    const metrics = Object.keys(profile.metrics);
    const anyData = metrics.some((m) => (binned.metrics[m]?.created_at.length ?? 0) > 0);
    rangeNote.textContent = `bins of ${durationText(binMs)}`;
    if (!anyData) {
      replaceChildren(
        chartsEl,
        h(
          'div',
          { class: 'card empty', data: { empty: 'observations' } },
          h('h2', {}, 'No observations in this range yet'),
          h(
            'p',
            { class: 'muted' },
            'Records that ScouterQueue sends for this profile appear here once they reach the server. Try a longer range.',
          ),
        ),
      );
      return;
    }
    const cards = metrics.map((metric) => {
      const band = bandOf(profile!, metric);
      const points = pointsOf(binned.metrics[metric]);
      const latest = points[points.length - 1];
      const outCount = points.filter((p) => placeOf(band, p.avg) !== 'in').length;
      const plot = h('div', { class: 'plot' });
      const card = h(
        'section',
        {
          class: 'card chart-card',
          data: {
            metric,
            baseline: String(band.baseline),
            lower: String(band.lower),
            upper: String(band.upper),
            outOfBand: String(outCount),
          },
        },
        h(
          'div',
          { class: 'card-head' },
          h(
            'div',
            {},
            h('h2', { class: 'card-title metric-name' }, metric),
            h(
              'p',
              { class: 'muted small' },
              `baseline ${formatNumber(band.baseline)} · ${describeBand(band)}`,
            ),
          ),
          latest
            ? h(
                'div',
                { class: `latest place-${placeOf(band, latest.avg)}` },
                h('span', { class: 'latest-value' }, formatNumber(latest.avg)),
                h('span', { class: 'muted small' }, 'latest mean'),
              )
            : h('span', { class: 'muted small' }, 'no data in range'),
        ),
        points.length > 0
          ? plot
          : h('p', { class: 'muted empty-chart' }, 'No observations of this metric in the range.'),
        h(
          'div',
          { class: 'legend muted small' },
          h('span', { class: 'key key-mean' }, 'observed mean'),
          h('span', { class: 'key key-baseline' }, 'baseline'),
          h('span', { class: 'key key-band' }, 'alert band'),
          h(
            'span',
            { class: 'key key-out' },
            outCount === 1 ? '1 window out of band' : `${outCount} windows out of band`,
          ),
        ),
        h(
          'details',
          { class: 'data-details' },
          h('summary', {}, `Data (${points.length} ${points.length === 1 ? 'window' : 'windows'})`),
          dataTable(metric, points, band),
        ),
      );
      return { card, plot, points, band };
    });
    replaceChildren(chartsEl, ...cards.map((c) => c.card));
    for (const c of cards) if (c.points.length > 0) charts.push(drawChart(c.plot, c.points, c.band));
  };

  const acknowledge = async (alert: AlertJson, button: HTMLButtonElement) => {
    button.disabled = true;
    try {
      await ctx.api.request('PUT', 'scouter/alerts', {
        body: { id: alert.id, active: false, space: alert.space },
      });
      await loadAlerts();
    } catch (err) {
      button.disabled = false;
      ctx.showError(err);
    }
  };

  const renderAlerts = (alerts: AlertJson[]) => {
    if (alerts.length === 0) {
      replaceChildren(
        alertsEl,
        h(
          'p',
          { class: 'muted empty-inline', data: { empty: 'alerts' } },
          alertFilter === 'active' ? 'No active alerts.' : 'No alerts for this profile.',
        ),
      );
      return;
    }
    const writable = summary?.writable ?? false;
    const rows = alerts.map((a) => {
      const created = Date.parse(a.created_at);
      const action = a.active
        ? writable
          ? (() => {
              const b = h(
                'button',
                { class: 'button small', attrs: { type: 'button', 'data-ack': String(a.id) } },
                'Acknowledge',
              );
              b.addEventListener('click', () => void acknowledge(a, b));
              return b;
            })()
          : h('span', { class: 'muted small' }, 'read-only')
        : null;
      return h(
        'tr',
        { data: { alertId: String(a.id), active: String(a.active), metric: a.entity_name } },
        h('td', { attrs: { title: a.created_at } }, dateTime(created)),
        h('td', { class: 'metric-name' }, a.entity_name),
        numberCell(a.alert.observed_metric_value),
        numberCell(a.alert.training_metric_value),
        h('td', {}, `${a.alert.alert_threshold ?? '–'} ${a.alert.alert_threshold_value ?? ''}`.trim()),
        h(
          'td',
          {},
          h(
            'span',
            { class: `badge ${a.active ? 'badge-alert' : 'badge-inactive'}` },
            a.active ? 'Active' : 'Acknowledged',
          ),
        ),
        h('td', { class: 'actions' }, action),
      );
    });
    replaceChildren(
      alertsEl,
      h(
        'table',
        { class: 'alerts' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Raised'),
            h('th', {}, 'Metric'),
            h('th', { class: 'num' }, 'Observed'),
            h('th', { class: 'num' }, 'Baseline'),
            h('th', {}, 'Rule'),
            h('th', {}, 'Status'),
            h('th', {}),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    );
  };

  const loadAlerts = async () => {
    const { alerts } = await ctx.api.request<{ alerts: AlertJson[] }>('GET', 'scouter/alerts', {
      query: { ...key, ...(alertFilter === 'active' ? { active: true } : {}), limit: 500 },
    });
    if (!stopped) renderAlerts(alerts);
  };

  const load = async () => {
    try {
      if (!profile) {
        const body = await ctx.api.request<{ Custom?: CustomProfile }>('GET', 'scouter/profile', {
          query: { ...key, drift_type: 'Custom' },
        });
        profile = body.Custom;
        if (!profile) throw new Error('The server answered without a Custom profile.');
        jsonEl.textContent = JSON.stringify(profile, null, 2);
        download.disabled = false;
      }
      const { profiles } = await ctx.api.request<{ profiles: ProfileSummary[] }>(
        'GET',
        'scouter/ts/profiles',
      );
      summary = profiles.find(
        (p) => p.space === key.space && p.name === key.name && p.version === key.version,
      );
      renderMeta();
      const periodMs = summary ? Date.parse(summary.next_run) - Date.parse(summary.previous_run) : 60_000;
      const drift = driftQuery(
        key,
        params,
        Number.isFinite(periodMs) && periodMs > 0 && periodMs < 8.6e12 ? periodMs : 60_000,
      );
      if (typeof drift === 'string') {
        clearCharts();
        replaceChildren(chartsEl, h('div', { class: 'card empty' }, h('p', {}, drift)));
      } else {
        const binned = await ctx.api.request<BinnedMetricsJson>('GET', 'scouter/drift/custom', {
          query: drift.query,
        });
        if (stopped) return;
        renderCharts(binned, drift.binMs);
      }
      await loadAlerts();
      if (stopped) return;
      ctx.showError(null);
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      if (stopped) return;
      if (err instanceof ApiError && err.status === 404 && !profile) {
        clearCharts();
        replaceChildren(
          chartsEl,
          h(
            'div',
            { class: 'card empty', data: { empty: 'profile' } },
            h('h2', {}, 'Profile not found'),
            h('p', { class: 'muted' }, 'No drift profile with this space, name and version is registered.'),
            h('a', { attrs: { href: '#/' } }, 'Back to the model list'),
          ),
        );
        replaceChildren(alertsEl);
        return;
      }
      ctx.showError(err, () => void load());
    }
  };

  void load();
  const timer = setInterval(() => {
    if (auto.checked && document.visibilityState === 'visible') void load();
  }, REFRESH_MS);
  return {
    destroy: () => {
      stopped = true;
      clearInterval(timer);
      clearCharts();
    },
  };
}
