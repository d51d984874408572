/** The dashboard's entry: the page frame (header, banner), the hash router and the session handling. */
import './style.css';
import { Api } from './api.js';
import { type AppContext, type View, createBanner } from './context.js';
import { h, replaceChildren } from './dom.js';
import { renderLogin } from './views/login.js';
import { renderModels } from './views/models.js';
import { renderProfile } from './views/profile.js';

const api = new Api();
const banner = createBanner();
const main = h('main', { attrs: { id: 'main' } });
const user = h('span', { class: 'user', attrs: { id: 'user' } });
const signOut = h(
  'button',
  {
    class: 'button small ghost',
    attrs: { type: 'button', id: 'sign-out' },
    on: {
      click: () => {
        api.signOut();
        pendingNotice = 'You have signed out.';
        ctx.navigate('#/login');
      },
    },
  },
  'Sign out',
);
const header = h(
  'header',
  { class: 'topbar' },
  h(
    'a',
    { class: 'brand', attrs: { href: '#/' } },
    h('span', { class: 'brand-mark' }),
    'Scouter',
    h('span', { class: 'brand-sub' }, 'monitoring'),
  ),
  h('span', { class: 'spacer' }),
  user,
  signOut,
);

let current: View | undefined;
let pendingNotice: string | null = null;

const ctx: AppContext = {
  api,
  main,
  navigate: (hash) => {
    if (window.location.hash === hash) route();
    else window.location.hash = hash;
  },
  showError: banner.show,
};

api.onUnauthorized = (message) => {
  pendingNotice = message;
  const here = window.location.hash;
  ctx.navigate(
    here.startsWith('#/login') ? here : `#/login?${new URLSearchParams({ return: here || '#/' }).toString()}`,
  );
};

function route(): void {
  current?.destroy();
  banner.show(null);
  const hash = window.location.hash || '#/';
  const [path = '', search = ''] = hash.slice(1).split('?');
  const params = new URLSearchParams(search);
  const signedIn = api.token !== null;
  header.hidden = path === '/login' || !signedIn;
  user.textContent = api.username ?? '';
  if (path === '/login' || !signedIn) {
    const returnTo = params.get('return') ?? (path === '/login' ? '#/' : hash);
    current = renderLogin(
      ctx,
      pendingNotice,
      returnTo.startsWith('#/') && !returnTo.startsWith('#/login') ? returnTo : '#/',
    );
    pendingNotice = null;
    return;
  }
  current = path === '/profile' ? renderProfile(ctx, params) : renderModels(ctx);
  window.scrollTo(0, 0);
}

const app = document.getElementById('app');
if (app) {
  replaceChildren(app, header, banner.el, main);
  window.addEventListener('hashchange', route);
  route();
}
