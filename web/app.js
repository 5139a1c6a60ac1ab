// app.js — the console's shell: sign-in with a token, GET /v1/whoami to learn
// its role, the navigation that role gets, and the router from the page's
// hash (#/offres/3) to the page modules.  What a page may show is the API's
// decision: the menu only leaves out what the role could not open anyway.

import { ApiError, get, onSubmit, setUnauthorizedHandler, token } from './api.js';
import { h } from './ui.js';
import * as offers from './offers.js';
import * as proposals from './proposals.js';
import * as followups from './followups.js';
import * as batch from './batch.js';
import * as report from './report.js';
import * as candidates from './candidates.js';
import * as journal from './journal.js';
import * as charter from './charter.js';

const IOD = ['admin', 'iod'];
const ROUTES = [
  // hash pattern, roles, page, menu label (none: not in the menu)
  ['offres', [...IOD, 'company'], offers.list, { company: 'Nos offres', _: 'Offres' }],
  ['offres/nouvelle', IOD, offers.create],
  ['offres/:id', [...IOD, 'company'], offers.show],
  ['propositions', [...IOD, 'company'], proposals.list, { company: 'Mises en relation', _: 'Propositions' }],
  ['propositions/:id', [...IOD, 'company'], proposals.show],
  ['suivi', IOD, followups.week, { _: 'Suivi' }],
  ['suivi/:day', IOD, followups.week],
  ['embauches/:id', [...IOD, 'referent'], followups.placement],
  ['affectation', IOD, batch.render, { _: 'Affectation' }],
  ['entreprises/:id/journal', IOD, journal.page],
  ['charte', IOD, charter.list, { _: 'Charte' }],
  ['entreprises/:id/charte', IOD, charter.page],
  ['bilan', [...IOD, 'auditor'], report.render, { _: 'Bilan' }],
  ['candidats', [...IOD, 'referent'], candidates.list, { referent: 'Mes candidats', _: 'Candidats' }],
  ['candidats/nouveau', [...IOD, 'referent'], candidates.create],
  ['candidats/:id', [...IOD, 'referent'], candidates.show],
  ['regles', [...IOD, 'auditor'], offers.rulesets, { _: 'Règles' }],
];
const HOME = { admin: 'offres', iod: 'offres', company: 'offres', referent: 'candidats', auditor: 'bilan' };
const ROLE_NAMES = {
  admin: 'administration', iod: 'chargé·e de mission', referent: 'référent·e',
  company: 'entreprise', auditor: 'audit',
};

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const status = document.getElementById('status');
let me = null;
let leaving = [];

// What every page gets.
const ctx = {
  get me() { return me; },
  get today() { return me?.today ?? new Date().toISOString().slice(0, 10); },
  main,
  // Append to the page what is there: pages write `cond && node`.
  show(...nodes) {
    main.append(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false && n !== ''));
  },
  // Say something to screen readers and show it briefly.
  announce(msg) {
    status.textContent = msg;
    clearTimeout(ctx._t);
    ctx._t = setTimeout(() => { status.textContent = ''; }, 6000);
  },
  go(hash) { location.hash = hash; },
  onLeave(fn) { leaving.push(fn); },
  isIod() { return IOD.includes(me?.role); },
};

function leave() {
  for (const fn of leaving) fn();
  leaving = [];
}

function signIn(message) {
  leave();	// a stream must not outlive its token
  me = null;
  nav.replaceChildren();
  who.replaceChildren();
  const form = h('form', { class: 'card signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title', tabindex: '-1' }, 'Connexion à la console IOD'),
    h('p', {}, 'Saisissez le jeton d’accès qui vous a été remis. Il reste dans cet onglet et disparaît à sa fermeture.'),
    h('div', { class: 'field' },
      h('label', { for: 'token' }, 'Jeton d’accès'),
      h('input', { id: 'token', name: 'token', type: 'password', required: true, autocomplete: 'current-password', spellcheck: 'false' })),
    h('div', { class: 'form-foot' }, h('button', { type: 'submit' }, 'Se connecter')));
  if (message) form.querySelector('.form-foot').append(h('p', { class: 'field-error', role: 'alert' }, message));
  onSubmit(form, async (fd) => {
    token.set(fd.get('token').trim());
    try {
      await start();
    } catch (e) {
      token.clear();
      throw e;
    }
  }, { Authorization: 'token' });
  main.replaceChildren(form);
  form.querySelector('input').focus();
}

function signOut() {
  token.clear();
  location.hash = '';
  signIn();
}

async function start() {
  me = await get('/v1/whoami');
  const items = ROUTES.filter((r) => r[3] && r[1].includes(me.role));
  nav.replaceChildren(h('ul', {}, items.map((r) =>
    h('li', {}, h('a', { href: '#/' + r[0], 'data-route': r[0] }, r[3][me.role] ?? r[3]._)))));
  who.replaceChildren(
    h('span', { class: 'who-name' }, `${me.subject ?? 'jeton ' + me.token_id} · ${ROLE_NAMES[me.role] ?? me.role}`),
    h('button', { type: 'button', class: 'link', onclick: signOut }, 'Se déconnecter'));
  if (!location.hash || location.hash === '#' || location.hash === '#/') location.hash = '#/' + HOME[me.role];
  else route();
}

function match(pattern, path) {
  const a = pattern.split('/');
  const b = path.split('/');
  if (a.length !== b.length) return null;
  const args = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i].startsWith(':')) args.push(decodeURIComponent(b[i]));
    else if (a[i] !== b[i]) return null;
  }
  return args;
}

async function route() {
  if (!me) return;
  leave();
  const path = location.hash.replace(/^#\/?/, '').split('?')[0];
  if (path === '') { location.replace('#/' + HOME[me.role]); return; }
  let found = null;
  let args = null;
  for (const r of ROUTES) {
    if ((args = match(r[0], path)) && r[1].includes(me.role)) { found = r; break; }
  }
  for (const a of nav.querySelectorAll('a')) {
    const on = path === a.dataset.route || path.startsWith(a.dataset.route + '/');
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  main.replaceChildren();
  if (!found) {
    main.append(h('h1', { tabindex: '-1' }, 'Page introuvable'),
      h('p', {}, h('a', { href: '#/' + HOME[me.role] }, 'Retour à l’accueil')));
    main.querySelector('h1').focus();
    return;
  }
  try {
    await found[2](ctx, ...args);
  } catch (e) {
    main.append(h('p', { class: 'field-error', role: 'alert' },
      e instanceof ApiError ? [e.fr, ' ', h('span', { lang: 'en', class: 'detail' }, e.message)] : 'Erreur : ' + e));
  }
  // A new page: screen readers start from its title.
  const h1 = main.querySelector('h1');
  if (h1) { h1.tabIndex = -1; h1.focus(); }
}

setUnauthorizedHandler(() => {
  if (me) signIn('Votre jeton n’est plus valable : connectez-vous à nouveau.');
});
window.addEventListener('hashchange', route);

if (token.get()) {
  start().catch((e) => { token.clear(); signIn(e instanceof ApiError ? e.fr : String(e)); });
} else {
  signIn();
}
