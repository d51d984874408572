/** Spaces → models → versions, with status, drift type, schedule, next check and active alerts. */
import type { AppContext, View } from '../context.js';
import { dateTime, profileHash, relativeTime } from '../context.js';
import { h, replaceChildren } from '../dom.js';
import type { AlertJson, ProfileSummary } from '../types.js';

const REFRESH_MS = 30_000;

async function activeAlertCounts(
  ctx: AppContext,
  profiles: ProfileSummary[],
): Promise<Map<ProfileSummary, number>> {
  const counts = new Map<ProfileSummary, number>();
  await Promise.all(
    profiles.map(async (p) => {
      const { alerts } = await ctx.api.request<{ alerts: AlertJson[] }>('GET', 'scouter/alerts', {
        query: { space: p.space, name: p.name, version: p.version, active: true, limit: 1000 },
      });
      counts.set(p, alerts.length);
    }),
  );
  return counts;
}

function statusBadge(active: boolean): HTMLElement {
  return h(
    'span',
    { class: `badge ${active ? 'badge-active' : 'badge-inactive'}` },
    active ? 'Active' : 'Inactive',
  );
}

function spaceSection(
  space: string,
  profiles: ProfileSummary[],
  counts: Map<ProfileSummary, number>,
): HTMLElement {
  const rows = profiles.map((p, i) => {
    const first = i === 0 || profiles[i - 1]?.name !== p.name;
    const alerts = counts.get(p) ?? 0;
    const next = Date.parse(p.next_run);
    return h(
      'tr',
      { data: { space: p.space, name: p.name, version: p.version } },
      h('td', { class: first ? 'model-name' : 'model-name repeat' }, first ? p.name : ''),
      h('td', {}, h('a', { class: 'version-link', attrs: { href: profileHash(p) } }, p.version)),
      h('td', {}, statusBadge(p.active)),
      h('td', {}, p.drift_type),
      h('td', {}, h('code', {}, p.schedule)),
      h(
        'td',
        { attrs: { title: Number.isFinite(next) ? dateTime(next) : '' } },
        p.active && Number.isFinite(next) && next < 8.6e15 ? relativeTime(next) : '–',
      ),
      h(
        'td',
        { class: 'num' },
        alerts > 0
          ? h('span', { class: 'badge badge-alert', data: { alerts: String(alerts) } }, `${alerts} active`)
          : h('span', { class: 'muted', data: { alerts: '0' } }, 'none'),
      ),
    );
  });
  return h(
    'section',
    { class: 'card', data: { space } },
    h('h2', { class: 'card-title' }, h('span', { class: 'muted label' }, 'Space'), ' ', space),
    h(
      'table',
      { class: 'models' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'Model'),
          h('th', {}, 'Version'),
          h('th', {}, 'Status'),
          h('th', {}, 'Drift type'),
          h('th', {}, 'Schedule'),
          h('th', {}, 'Next check'),
          h('th', { class: 'num' }, 'Alerts'),
        ),
      ),
      h('tbody', {}, ...rows),
    ),
  );
}

/** Renders the model list and refreshes it every 30 s. */
export function renderModels(ctx: AppContext): View {
  const content = h(
    'div',
    { class: 'stack' },
    h('p', { class: 'muted loading' }, 'Loading monitored models…'),
  );
  const updated = h('span', { class: 'muted small' });
  replaceChildren(
    ctx.main,
    h(
      'div',
      { class: 'page-head' },
      h(
        'div',
        {},
        h('h1', {}, 'Monitored models'),
        h('p', { class: 'muted' }, 'Every drift profile registered with this server, by space.'),
      ),
      updated,
    ),
    content,
  );
  let stopped = false;
  const load = async () => {
    try {
      const { profiles } = await ctx.api.request<{ profiles: ProfileSummary[] }>(
        'GET',
        'scouter/ts/profiles',
      );
      const counts = await activeAlertCounts(ctx, profiles);
      if (stopped) return;
      ctx.showError(null);
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
      if (profiles.length === 0) {
        replaceChildren(
          content,
          h(
            'div',
            { class: 'card empty', data: { empty: 'models' } },
            h('h2', {}, 'No models are monitored yet'),
            h(
              'p',
              { class: 'muted' },
              'Register a drift profile (ScouterClient.registerProfile, or Scouter’s Python client) and it appears here.',
            ),
          ),
        );
        return;
      }
      const bySpace = new Map<string, ProfileSummary[]>();
      for (const p of profiles) bySpace.set(p.space, [...(bySpace.get(p.space) ?? []), p]);
      replaceChildren(content, ...[...bySpace].map(([space, list]) => spaceSection(space, list, counts)));
    } catch (err) {
      if (!stopped) ctx.showError(err, () => void load());
    }
  };
  void load();
  const timer = setInterval(() => void load(), REFRESH_MS);
  return {
    destroy: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
