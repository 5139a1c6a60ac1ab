// referents.js — the référents de parcours who orient people to the team:
// the list searched by name or structure and paged on the server, a new
// référent's form, and a référent's page with their record (edited under
// If-Match) and the people they oriented.

import { getTagged, post, onSubmit } from './api.js';
import * as fr from './fr.js';
import { h, field, dl, title, text } from './ui.js';
import { pager, liveFilters, formParams, save } from './records.js';

export async function list(ctx) {
  const cols = [
    { label: 'Nom', cell: (r) => h('a', { href: `#/referents/${r.id}` }, r.name) },
    { label: 'Structure', cell: (r) => r.structure ?? '—' },
    { label: 'Courriel', cell: (r) => (r.email ? h('a', { href: `mailto:${r.email}` }, r.email) : '—') },
  ];
  const form = h('form', { class: 'filters card', role: 'search', 'aria-label': 'Chercher des référents' },
    field('Recherche', 'q', { type: 'search', placeholder: 'nom, structure' }),
    h('div', { class: 'form-foot' }, h('button', { type: 'submit' }, 'Filtrer')));
  const p = pager({
    path: '/v1/referents', params: () => formParams(form), cols, nouns: ['référent·e', 'référent·es'],
    empty: 'Aucun·e référent·e ne correspond à cette recherche.',
  });
  onSubmit(form, () => p.load());
  liveFilters(form, p.load);
  ctx.show(...title('Référent·es de parcours', 'Celles et ceux qui orientent les personnes vers l’équipe IOD.'),
    h('p', { class: 'actions' }, h('a', { class: 'button', href: '#/referents/nouveau' }, 'Nouveau·elle référent·e')),
    form, p.node);
  await p.load();
}

function referentFields(r) {
  return [
    field('Nom', 'name', { required: true, maxlength: 120, value: r?.name, autocomplete: 'off' }),
    field('Structure', 'structure', { required: true, maxlength: 200, value: r?.structure }, 'PLIE, Mission Locale, Cap emploi…'),
    field('Courriel', 'email', { type: 'email', maxlength: 254, value: r?.email, autocomplete: 'off' }),
  ];
}
const referentBody = (fd, edit = false) => ({
  name: text(fd, 'name'), structure: text(fd, 'structure'), email: text(fd, 'email') ?? (edit ? null : undefined),
});

export async function create(ctx) {
  const form = h('form', { class: 'card form-grid', 'aria-label': 'Nouveau·elle référent·e' },
    referentFields(null),
    h('div', { class: 'form-foot wide' }, h('button', { type: 'submit' }, 'Enregistrer'),
      h('a', { href: '#/referents' }, 'Annuler')));
  onSubmit(form, async (fd) => {
    const r = await post('/v1/referents', referentBody(fd));
    ctx.announce(`${r.name} est enregistré·e.`);
    ctx.go(`#/referents/${r.id}`);
  });
  ctx.show(...title('Nouveau·elle référent·e'), form);
}

export async function show(ctx, id) {
  const { record: r, etag } = await getTagged(`/v1/referents/${encodeURIComponent(id)}`);
  const tag = { etag };
  const again = async (msg) => { if (msg) ctx.announce(msg); ctx.main.replaceChildren(); await show(ctx, id); };
  const people = pager({
    path: '/v1/candidates', params: () => ({ referent_id: r.id }), nouns: ['personne orientée', 'personnes orientées'],
    cols: [
      { label: 'Nom', cell: (c) => h('a', { href: `#/candidats/${c.id}` }, `${c.first_name} ${c.last_name}`) },
      { label: 'Commune', cell: (c) => fr.commune(c) },
      { label: 'Situation', cell: (c) => fr.label(fr.CANDIDATE_STATUS, c.status) },
    ],
    empty: 'Personne pour l’instant.',
  });
  ctx.show(...title(r.name, r.structure),
    h('section', { class: 'card' }, h('h2', {}, 'Fiche'), dl([['Structure', r.structure], ['Courriel', r.email]])),
    h('section', { class: 'card' }, h('h2', {}, 'Personnes orientées'), people.node));
  await people.load();
  const edit = h('form', { class: 'form-grid', 'aria-label': 'Modifier la fiche' },
    referentFields(r),
    h('div', { class: 'form-foot wide' }, h('button', { type: 'submit' }, 'Enregistrer les changements')));
  onSubmit(edit, async (fd) => {
    const x = await save(ctx, edit, `/v1/referents/${r.id}`, referentBody(fd, true), tag, () => again());
    if (x) await again(`${x.name} : fiche modifiée.`);
  });
  ctx.show(h('section', { class: 'card' }, h('h2', {}, 'Modifier la fiche'),
    h('details', {}, h('summary', {}, 'Modifier le nom, la structure, le courriel'), edit)));
}
