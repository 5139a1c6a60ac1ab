// companies.js — the companies (« Entreprises »): the list searched by
// name, filtered by territory and paged on the server; a new company's
// form; a company's page with its record (edited under If-Match), its
// contact, its offers and their proposals, and the journal of the team's
// contacts with it (journal.js).  The charter's page is charter.js's.

import { getTagged, post, onSubmit } from './api.js';
import * as fr from './fr.js';
import { h, field, checks, table, dl, title, all, num, text } from './ui.js';
import { pager, liveFilters, formParams, save, getAll } from './records.js';
import { communeField } from './complete.js';
import { territorySelect, proposalRows } from './offers.js';
import * as journal from './journal.js';

const CHARTER = { signed: 'signée', renewed: 'renouvelée', lapsed: 'échue', withdrawn: 'retirée' };

export async function list(ctx) {
  const cols = [
    { label: 'Entreprise', cell: (c) => h('a', { href: `#/entreprises/${c.id}` }, c.name) },
    { label: 'Commune', cell: (c) => fr.commune(c, true) },
    { label: 'Salariés', cell: (c) => (c.fte !== undefined && c.fte !== null ? String(c.fte) : '—'), num: true },
    { label: 'Charte', cell: (c) => (c.charter ? fr.label(CHARTER, c.charter.status) : '—') },
    { label: 'Contact', cell: (c) => c.contact?.name ?? '—' },
  ];
  const form = h('form', { class: 'filters card', role: 'search', 'aria-label': 'Chercher des entreprises' },
    field('Recherche', 'q', { type: 'search', placeholder: 'nom de l’entreprise' }),
    territorySelect(),
    communeField('Commune', 'commune', null, { required: false, hint: null, anywhere: true }),
    h('div', { class: 'form-foot' }, h('button', { type: 'submit' }, 'Filtrer')));
  const p = pager({
    path: '/v1/companies', params: () => formParams(form), cols, nouns: ['entreprise', 'entreprises'],
    empty: 'Aucune entreprise ne correspond à ces critères.',
  });
  onSubmit(form, () => p.load());
  liveFilters(form, p.load);
  ctx.show(...title('Entreprises', 'Les entreprises avec lesquelles l’équipe travaille.'),
    h('p', { class: 'actions' }, h('a', { class: 'button', href: '#/entreprises/nouvelle' }, 'Nouvelle entreprise')),
    form, p.node);
  await p.load();
}

// The fields of a company, filled from c when it is edited.
function companyFields(c) {
  const ct = c?.contact ?? {};
  return [
    field('Raison sociale', 'name', { required: true, maxlength: 200, value: c?.name }),
    field('SIRET', 'siret', { required: true, inputmode: 'numeric', maxlength: 14, value: c?.siret, autocomplete: 'off' },
      'Quatorze chiffres.'),
    communeField('Commune de l’établissement', 'commune', c),
    field('Salariés (équivalents temps plein)', 'fte', { type: 'number', min: 0, value: c?.fte ?? '' }),
    field('dont dans la Métropole', 'fte_metropole', { type: 'number', min: 0, value: c?.fte_metropole ?? '' }),
    checks('Publics que l’entreprise choisit de favoriser', 'favoured_publics', fr.PUBLICS, c?.favoured_publics ?? []),
    h('fieldset', { class: 'field wide', name: 'contact' },
      h('legend', {}, 'Contact dans l’entreprise'),
      field('Nom', 'contact.name', { maxlength: 120, value: ct.name, autocomplete: 'off' }),
      field('Fonction', 'contact.role', { maxlength: 120, value: ct.role }),
      field('Téléphone', 'contact.phone', { type: 'tel', maxlength: 32, value: ct.phone, autocomplete: 'off' }),
      field('Courriel', 'contact.email', { type: 'email', maxlength: 254, value: ct.email, autocomplete: 'off' })),
  ];
}

function companyBody(fd, edit = false) {
  const none = edit ? null : undefined;
  const contact = {
    name: text(fd, 'contact.name') ?? none, role: text(fd, 'contact.role') ?? none,
    phone: text(fd, 'contact.phone') ?? none, email: text(fd, 'contact.email') ?? none,
  };
  return {
    name: text(fd, 'name'), siret: text(fd, 'siret')?.replace(/\s+/g, ''), commune: text(fd, 'commune'),
    fte: num(fd, 'fte') ?? none, fte_metropole: num(fd, 'fte_metropole') ?? none,
    favoured_publics: all(fd, 'favoured_publics'),
    contact: Object.values(contact).some((v) => v) ? contact : none,
  };
}

export async function create(ctx) {
  const form = h('form', { class: 'card form-grid', 'aria-label': 'Nouvelle entreprise' },
    companyFields(null),
    h('div', { class: 'form-foot wide' },
      h('button', { type: 'submit' }, 'Enregistrer l’entreprise'),
      h('a', { href: '#/entreprises' }, 'Annuler')));
  onSubmit(form, async (fd) => {
    const c = await post('/v1/companies', companyBody(fd));
    ctx.announce(`${c.name} est enregistrée.`);
    ctx.go(`#/entreprises/${c.id}`);
  });
  ctx.show(...title('Nouvelle entreprise', 'Une entreprise que l’équipe prospecte ou accompagne.'), form);
}

// The proposals of a company's offers.
async function proposalsOf(co, offers) {
  try {
    return await getAll('/v1/proposals', { company_id: co.id });
  } catch (_) {
    const per = await Promise.all(offers.map((o) => getAll('/v1/proposals', { offer_id: o.id })));
    return per.flat();
  }
}

export async function show(ctx, id) {
  const { record: c, etag } = await getTagged(`/v1/companies/${encodeURIComponent(id)}`);
  const tag = { etag };
  const offers = await getAll('/v1/offers', { company_id: c.id });
  const props = await proposalsOf(c, offers);
  const titles = new Map(offers.map((o) => [o.id, o.title]));
  const again = async (msg) => { if (msg) ctx.announce(msg); ctx.main.replaceChildren(); await show(ctx, id); };
  const ct = c.contact ?? {};

  ctx.show(...title(c.name, `SIRET ${c.siret} · ${fr.commune(c, true)}`),
    h('p', { class: 'actions' },
      h('a', { class: 'button', href: `#/offres/nouvelle?entreprise=${c.id}` }, 'Nouvelle offre pour cette entreprise'),
      h('a', { class: 'button secondary', href: `#/entreprises/${c.id}/charte` }, 'Charte des 1000')));
  ctx.show(h('div', { class: 'columns' },
    h('section', { class: 'card', 'aria-labelledby': 'c-facts' },
      h('h2', { id: 'c-facts' }, 'L’entreprise'),
      dl([
        ['Commune', fr.commune(c, true)],
        ['Salariés', c.fte !== undefined && c.fte !== null ? `${c.fte}${c.fte_metropole ? `, dont ${c.fte_metropole} dans la Métropole` : ''}` : null],
        ['Charte', c.charter ? `${fr.label(CHARTER, c.charter.status)}${c.charter.signed_on ? ' le ' + fr.date(c.charter.signed_on) : ''}` : 'non signée'],
        ['Publics favorisés', (c.favoured_publics ?? []).map((p) => fr.label(fr.PUBLICS, p)).join(', ') || 'aucun'],
      ])),
    h('section', { class: 'card', 'aria-labelledby': 'c-contact' },
      h('h2', { id: 'c-contact' }, 'Contact'),
      ct.name || ct.email || ct.phone ? dl([
        ['Nom', ct.name], ['Fonction', ct.role],
        ['Téléphone', ct.phone && h('a', { href: `tel:${ct.phone.replace(/\s+/g, '')}` }, ct.phone)],
        ['Courriel', ct.email && h('a', { href: `mailto:${ct.email}` }, ct.email)],
      ]) : h('p', { class: 'empty' }, 'Aucun contact enregistré.'))));

  ctx.show(h('section', { class: 'card', 'aria-labelledby': 'c-offers' },
    h('h2', { id: 'c-offers' }, `Offres (${offers.length})`),
    table('Offres de l’entreprise', [
      { label: 'Intitulé', cell: (o) => h('a', { href: `#/offres/${o.id}` }, o.title) },
      { label: 'Commune', cell: (o) => fr.commune(o) },
      { label: 'Contrat', cell: (o) => fr.label(fr.CONTRACTS, o.contract) },
      { label: 'Début', cell: (o) => fr.date(o.start_on) },
      { label: 'Visite du poste', cell: (o) => (o.workstation_visit?.on ? fr.date(o.workstation_visit.on) : 'à faire') },
      { label: 'Statut', cell: (o) => fr.label(fr.OFFER_STATUS, o.status) },
    ], offers, 'Aucune offre pour l’instant.', { hideCaption: true })));
  ctx.show(h('section', { class: 'card', 'aria-labelledby': 'c-props' },
    h('h2', { id: 'c-props' }, `Propositions (${props.length})`),
    table('Propositions aux offres de l’entreprise', proposalRows(ctx, props,
      (p) => h('a', { href: `#/offres/${p.offer_id}` }, p.job?.offer_title ?? titles.get(p.offer_id) ?? `offre n° ${p.offer_id}`)),
    props, 'Aucune proposition pour l’instant.', { hideCaption: true })));
  ctx.show(await journal.section(ctx, c, offers));

  const edit = h('form', { class: 'form-grid', 'aria-label': 'Modifier l’entreprise' },
    companyFields(c),
    h('div', { class: 'form-foot wide' }, h('button', { type: 'submit' }, 'Enregistrer les changements')));
  onSubmit(edit, async (fd) => {
    const r = await save(ctx, edit, `/v1/companies/${c.id}`, companyBody(fd, true), tag, () => again());
    if (r) await again(`${r.name} : fiche modifiée.`);
  });
  ctx.show(h('section', { class: 'card', 'aria-labelledby': 'c-edit' },
    h('h2', { id: 'c-edit' }, 'Modifier l’entreprise'),
    h('details', {}, h('summary', {}, 'Modifier la fiche et le contact'), edit)));
}

