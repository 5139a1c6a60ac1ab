// app.js — the console's shell: sign-in with a login and a password (a
// session cookie), GET /v1/whoami to learn the role, the navigation that role
// gets, one's own password, and the router from the page's hash
// (#/offres/3) to the page modules.  What a page may show is the API's
// decision: the menu only leaves out what the role could not open anyway.

import {
  ApiError, errorParts, get, post, onSubmit, session, setUnauthorizedHandler,
  signIn as openSession, signOut as closeSession,
} from './api.js';
import { h } from './ui.js';
import * as offers from './offers.js';
import * as proposals from './proposals.js';
import * as followups from './followups.js';
import * as batch from './batch.js';
import * as report from './report.js';
import * as candidates from './candidates.js';
import * as journal from './journal.js';
import * as charter from './charter.js';
import * as companies from './companies.js';
import * as referents from './referents.js';
import * as team from './team.js';
import * as positioning from './positioning.js';

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
  ['entreprises', IOD, companies.list, { _: 'Entreprises' }],
  ['entreprises/nouvelle', IOD, companies.create],
  ['entreprises/:id', IOD, companies.show],
  ['entreprises/:id/journal', IOD, journal.page],
  ['charte', IOD, charter.list, { _: 'Charte' }],
  ['entreprises/:id/charte', IOD, charter.page],
  ['bilan', [...IOD, 'auditor'], report.render, { _: 'Bilan' }],
  ['candidats', [...IOD, 'referent'], candidates.list, { referent: 'Mes candidats', _: 'Candidats' }],
  ['candidats/nouveau', [...IOD, 'referent'], candidates.create],
  ['candidats/:id', [...IOD, 'referent'], candidates.show],
  ['referents', IOD, referents.list, { _: 'Référents' }],
  ['referents/nouveau', IOD, referents.create],
  ['referents/:id', IOD, referents.show],
  ['regles', [...IOD, 'auditor'], offers.rulesets, { _: 'Règles' }],
  ['equipe', [...IOD, 'referent'], team.page, { _: 'Équipe' }],
  ['positionnement', [...IOD, 'referent'], positioning.page, { _: 'Positionnement' }],
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
  leave();	// a stream must not outlive its session
  me = null;
  session.clear();
  nav.replaceChildren();
  who.replaceChildren();
  const form = h('form', { class: 'card signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title', tabindex: '-1' }, 'Connexion à la console IOD'),
    h('p', {}, 'Connectez-vous avec l’identifiant et le mot de passe que l’administration vous a remis.'),
    h('div', { class: 'field' },
      h('label', { for: 'login' }, 'Identifiant'),
      h('input', { id: 'login', name: 'login', type: 'text', required: true, autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' })),
    h('div', { class: 'field' },
      h('label', { for: 'password' }, 'Mot de passe'),
      h('input', { id: 'password', name: 'password', type: 'password', required: true, autocomplete: 'current-password' })),
    h('div', { class: 'form-foot' }, h('button', { type: 'submit' }, 'Se connecter')));
  if (message) form.querySelector('.form-foot').append(h('p', { class: 'field-error', role: 'alert' }, message));
  onSubmit(form, async (fd) => {
    try {
      await openSession(fd.get('login').trim(), fd.get('password'));
    } finally {
      form.querySelector('[name=password]').value = '';
    }
    await start();
  });
  main.replaceChildren(form);
  form.querySelector('input').focus();
}

async function signOut() {
  try { await closeSession(); } catch (_) { /* signed out either way */ }
  location.hash = '';
  signIn();
}

// One's own password: the old one, then the new one twice.
function passwordPage() {
  main.replaceChildren();
  const form = h('form', { class: 'card signin', 'aria-labelledby': 'pw-title' },
    h('h1', { id: 'pw-title', tabindex: '-1' }, 'Changer mon mot de passe'),
    h('p', {}, 'Au moins 10 caractères. Vos autres sessions seront fermées.'),
    h('div', { class: 'field' },
      h('label', { for: 'old_password' }, 'Mot de passe actuel'),
      h('input', { id: 'old_password', name: 'old_password', type: 'password', required: true, autocomplete: 'current-password' })),
    h('div', { class: 'field' },
      h('label', { for: 'password' }, 'Nouveau mot de passe'),
      h('input', { id: 'password', name: 'password', type: 'password', required: true, minlength: '10', autocomplete: 'new-password' })),
    h('div', { class: 'field' },
      h('label', { for: 'again' }, 'Nouveau mot de passe, à nouveau'),
      h('input', { id: 'again', name: 'again', type: 'password', required: true, autocomplete: 'new-password' })),
    h('div', { class: 'form-foot' }, h('button', { type: 'submit' }, 'Enregistrer')));
  onSubmit(form, async (fd) => {
    if (fd.get('password') !== fd.get('again'))
      throw new ApiError(400, 'invalid', 'again', 'the two new passwords differ');
    await post('/v1/session/password', { old_password: fd.get('old_password'), password: fd.get('password') });
    form.reset();
    ctx.announce('Votre mot de passe est changé.');
    location.hash = '#/' + HOME[me.role];
  });
  main.append(form);
  form.querySelector('input').focus();
}

async function start() {
  me = await get('/v1/whoami');
  session.setCsrf(me.csrf);
  const items = ROUTES.filter((r) => r[3] && r[1].includes(me.role));
  nav.replaceChildren(h('ul', {}, items.map((r) =>
    h('li', {}, h('a', { href: '#/' + r[0], 'data-route': r[0] }, r[3][me.role] ?? r[3]._)))));
  who.replaceChildren(
    h('span', { class: 'who-name' }, `${me.subject ?? 'jeton ' + me.token_id} · ${ROLE_NAMES[me.role] ?? me.role}`),
    me.account_id ? h('a', { href: '#/mot-de-passe', class: 'link' }, 'Mot de passe') : null,
    h('a', { href: '#/', class: 'link signout', onclick: (ev) => { ev.preventDefault(); signOut(); } }, 'Se déconnecter'));
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
  if (path === 'mot-de-passe' && me.account_id) { passwordPage(); return; }
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
      e instanceof ApiError ? errorParts(e) : 'Erreur : ' + e));
  }
  // A new page: screen readers start from its title.
  const h1 = main.querySelector('h1');
  if (h1) { h1.tabIndex = -1; h1.focus(); }
}

setUnauthorizedHandler(() => {
  if (me) signIn('Votre session a pris fin : connectez-vous à nouveau.');
});
window.addEventListener('hashchange', route);

// A session cookie still valid (a reload) signs in at once; otherwise the form.
start().catch((e) => {
  signIn(e instanceof ApiError && e.status === 401 ? undefined : e instanceof ApiError ? e.fr : String(e));
});
