/** The sign-in form: the server's own users, through `GET /scouter/auth/login`. */
import { ApiError } from '../api.js';
import type { AppContext, View } from '../context.js';
import { h, replaceChildren } from '../dom.js';

/** Renders the form; `notice` says why the person is here (session expired, signed out). */
export function renderLogin(ctx: AppContext, notice: string | null, returnTo: string): View {
  const username = h('input', {
    attrs: { id: 'username', name: 'username', autocomplete: 'username', required: '', autofocus: '' },
  });
  const password = h('input', {
    attrs: {
      id: 'password',
      name: 'password',
      type: 'password',
      autocomplete: 'current-password',
      required: '',
    },
  });
  const message = h('p', { class: 'form-message', attrs: { role: 'alert', id: 'login-message' } });
  if (notice) {
    message.textContent = notice;
    message.dataset.kind = 'notice';
  }
  const submit = h('button', { class: 'button primary wide', attrs: { type: 'submit' } }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'login-card',
      attrs: { 'aria-labelledby': 'login-title' },
      on: {
        submit: (event) => {
          event.preventDefault();
          submit.disabled = true;
          message.textContent = '';
          ctx.api.login(username.value, password.value).then(
            () => ctx.navigate(returnTo),
            (err: unknown) => {
              submit.disabled = false;
              message.dataset.kind = 'error';
              message.textContent = err instanceof ApiError ? err.message : `Sign-in failed: ${String(err)}`;
              password.select();
            },
          );
        },
      },
    },
    h('div', { class: 'brand brand-large' }, h('span', { class: 'brand-mark' }), 'Scouter'),
    h('h1', { attrs: { id: 'login-title' } }, 'Sign in to the monitoring dashboard'),
    message,
    h('label', { attrs: { for: 'username' } }, 'Username'),
    username,
    h('label', { attrs: { for: 'password' } }, 'Password'),
    password,
    submit,
    h(
      'p',
      { class: 'muted small' },
      'Use a scouter-server user. The guest user sees everything read-only when the server runs with SCOUTER_GUEST_ACCESS=read.',
    ),
  );
  replaceChildren(ctx.main, h('div', { class: 'login-page' }, form));
  username.focus();
  return { destroy: () => undefined };
}
