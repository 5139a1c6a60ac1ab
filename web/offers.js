// offers.js — the offers: the list searched, filtered and paged on the
// server, the form of a new offer (the commune and the trade completed from
// their names), an offer's page (the workstation visit recorded or edited
// there, the rule set, « Proposer » and why, the ranked list on demand, its
// proposals, the offer edited, filled or closed), and the rule sets.  A
// company sees the same list and pages, its own offers only, without the
// matching (the API would refuse it anyway).

import { get, getTagged, post, qs, onSubmit, ApiError } from './api.js';
import * as fr from './fr.js';
import { h, field, select, checks, table, dl, title, all, num, text } from './ui.js';
import { interestsSection } from './positioning.js';
import { pager, liveFilters, formParams, memo, save } from './records.js';
import { complete, communeField, tradeField } from './complete.js';

const link = (hash, text) => h('a', { href: hash }, text);

// A company picked by its name (GET /v1/companies?q=); co: the one chosen
// already, if any.
export function companyField(co = null) {
  return complete({
    label: 'Entreprise', names: ['company_id'], required: true,
    hint: 'Le nom de l’entreprise.',
    search: async (q) => (await get('/v1/companies' + qs({ q, limit: 20 }))).items,
    show: (c) => `${c.name} — ${c.commune_name ?? c.commune}`,
    values: (c) => ({ company_id: c.id }),
    initial: co ? { text: `${co.name} — ${co.commune_name ?? co.commune}`, values: { company_id: co.id } } : null,
  });
}

// The territory filter of a list.
export const territorySelect = (value = '') => select('Territoire', 'territory',
  Object.fromEntries(fr.TERRITORIES.map((t) => [t, t])), { empty: 'tous', value });

export async function list(ctx) {
  const iod = ctx.isIod();
  const company = memo((id) => get(`/v1/companies/${id}`));
  const cols = [
    { label: 'Intitulé', cell: (o) => link(`#/offres/${o.id}`, o.title) },
    iod && { label: 'Entreprise', cell: (o) => o._co?.name ?? `n° ${o.company_id}` },
    { label: 'Métier', cell: (o) => o.appellation_label ?? o.rome_label ?? o.rome },
    { label: 'Commune', cell: (o) => fr.commune(o, true) },
    { label: 'Contrat', cell: (o) => fr.label(fr.CONTRACTS, o.contract) + (o.duration_months ? ` ${o.duration_months} mois` : '') },
    { label: 'Début', cell: (o) => fr.date(o.start_on) },
    { label: 'Statut', cell: (o) => fr.label(fr.OFFER_STATUS, o.status) },
  ].filter(Boolean);
  const form = h('form', { class: 'filters card', role: 'search', 'aria-label': 'Chercher des offres' },
    field('Recherche', 'q', { type: 'search', placeholder: iod ? 'intitulé, entreprise' : 'intitulé' }),
    select('Statut', 'status', fr.OFFER_STATUS, { empty: 'tous', value: iod ? 'open' : '' }),
    territorySelect(),
    communeField('Commune', 'commune', null, { required: false, hint: null, anywhere: true }),
    h('div', { class: 'form-foot' }, h('button', { type: 'submit' }, 'Filtrer')));
  const p = pager({
    path: '/v1/offers', params: () => formParams(form), cols, nouns: ['offre', 'offres'],
    empty: 'Aucune offre ne correspond à ces critères.',
    render: async (items) => {
      if (iod) await Promise.all(items.map(async (o) => { o._co = await company(o.company_id); }));
      return table('Offres', cols, items, 'Aucune offre ne correspond à ces critères.', { hideCaption: true });
    },
  });
  onSubmit(form, () => p.load());
  liveFilters(form, p.load);
  ctx.show(...title(iod ? 'Offres' : 'Nos offres'),
    iod && h('p', { class: 'actions' }, h('a', { class: 'button', href: '#/offres/nouvelle' }, 'Nouvelle offre')),
    form, p.node);
  await p.load();
}

// ---- the offer's form: new, or edited ----------------------------------------------

// The fields of an offer, filled from o when it is edited.
function offerFields(o, rs) {
  const def = o?.ruleset ?? rs.items.find((r) => r.default)?.name ?? '';
  return [
    field('Intitulé du poste', 'title', { required: true, maxlength: 200, value: o?.title }),
    tradeField('Métier', o),
    communeField('Commune du poste', 'commune', o),
    select('Contrat', 'contract', fr.CONTRACTS, { required: true, value: o?.contract ?? 'CDI' }),
    field('Durée (mois, pour un contrat à durée déterminée)', 'duration_months',
      { type: 'number', min: 0, max: 120, value: o?.duration_months ? String(o.duration_months) : '' }),
    field('Heures par semaine', 'weekly_hours', { type: 'number', min: 1, max: 48, required: true, value: String(o?.weekly_hours ?? 35) }),
    checks('Horaires particuliers', 'schedule', fr.SCHEDULE, o?.schedule ?? []),
    field('Début', 'start_on', { type: 'date', value: o?.start_on ?? '' }),
    checks('Exigences', 'requirements', fr.REQUIREMENTS, o?.requirements ?? []),
    select('Règle de mise en relation', 'ruleset',
      Object.fromEntries(rs.items.map((r) => [r.name, `${r.name} (version ${r.version})`])), { value: def }),
  ];
}

// The body of an offer from its form; edit: null for what is emptied (a
// merge patch removes it) rather than leaving it out.
function offerBody(fd, edit = false) {
  const none = edit ? null : undefined;
  return {
    title: text(fd, 'title'), rome: text(fd, 'rome'), appellation: text(fd, 'appellation') ?? none,
    commune: text(fd, 'commune'), contract: fd.get('contract'),
    duration_months: num(fd, 'duration_months') ?? none, weekly_hours: num(fd, 'weekly_hours'),
    schedule: all(fd, 'schedule'), start_on: text(fd, 'start_on') ?? none,
    requirements: all(fd, 'requirements'), ruleset: text(fd, 'ruleset'),
  };
}

export async function create(ctx) {
  const from = new URLSearchParams(location.hash.split('?')[1] ?? '').get('entreprise');
  const [rs, co] = await Promise.all([get('/v1/rulesets'),
    from ? get(`/v1/companies/${encodeURIComponent(from)}`).catch(() => null) : null]);
  const form = h('form', { class: 'card form-grid', 'aria-label': 'Nouvelle offre' },
    companyField(co),
    offerFields(null, rs),
    h('fieldset', { class: 'field wide', name: 'workstation_visit' },
      h('legend', {}, 'Visite du poste de travail'),
      field('Date de la visite', 'workstation_visit.on', { type: 'date' }),
      field('Ce que la visite a appris', 'workstation_visit.notes', { tag: 'textarea', rows: 3, maxlength: 2000 })),
    h('div', { class: 'form-foot wide' },
      h('button', { type: 'submit' }, 'Enregistrer l’offre'),
      h('a', { href: co ? `#/entreprises/${co.id}` : '#/offres' }, 'Annuler')));
  onSubmit(form, async (fd) => {
    const visit = { on: text(fd, 'workstation_visit.on'), notes: text(fd, 'workstation_visit.notes') };
    const body = { company_id: num(fd, 'company_id'), ...offerBody(fd) };
    if (visit.on || visit.notes) body.workstation_visit = visit;
    const o = await post('/v1/offers', body);
    ctx.announce(`Offre « ${o.title} » enregistrée.`);
    ctx.go(`#/offres/${o.id}`);
  });
  ctx.show(...title('Nouvelle offre', 'L’offre négociée avec l’entreprise, après la visite du poste.'), form);
}

// ---- an offer's page -------------------------------------------------------------

// The answer of POST /v1/offers/{id}/proposal, in words.
function removedList(removed) {
  const rows = Object.entries(removed ?? {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  if (!rows.length) return h('p', {}, 'Aucune personne écartée par les filtres.');
  return h('ul', { class: 'removed' }, rows.map(([k, n]) =>
    h('li', {}, h('span', { class: 'count' }, String(n)), ' ', fr.label(fr.FILTERS, k))));
}

async function explain(r) {
  const seen = r.eligible + Object.values(r.removed ?? {}).reduce((a, b) => a + b, 0);
  if (!r.proposal) {
    return h('div', { class: 'explain none' },
      h('h3', {}, 'Personne n’est éligible pour cette offre'),
      h('p', {}, `${seen} personne${seen > 1 ? 's' : ''} examinée${seen > 1 ? 's' : ''} avec la règle ${r.ruleset} (version ${r.ruleset_version}). Écartées :`),
      removedList(r.removed));
  }
  const p = r.proposal;
  let name = `personne n° ${p.candidate_id}`;
  try { name = (await get(`/v1/proposals/${p.id}`)).candidate?.first_name ?? name; } catch (_) { /* keep the id */ }
  return h('div', { class: 'explain' },
    h('h3', {}, `Proposition n° ${p.id} : ${name}`),
    h('p', { class: 'score' }, h('strong', {}, `Score ${p.score}`), ' — ', fr.scoreWords(p.score_parts)),
    h('p', {}, `${r.eligible} personne${r.eligible > 1 ? 's' : ''} éligible${r.eligible > 1 ? 's' : ''} sur ${seen} examinée${seen > 1 ? 's' : ''} (règle ${r.ruleset}, version ${r.ruleset_version}).`),
    h('details', {}, h('summary', {}, 'Pourquoi pas les autres'), removedList(r.removed)),
    h('p', {}, h('a', { class: 'button', href: `#/propositions/${p.id}` }, 'Préparer la mise en relation')));
}

function ranked(r) {
  return h('div', {},
    table(`Classement : ${r.eligible} personne${r.eligible > 1 ? 's' : ''} éligible${r.eligible > 1 ? 's' : ''}`, [
      { label: 'Rang', cell: (c) => String(c.rank), num: true },
      { label: 'Prénom', cell: (c) => c.first_name ?? `n° ${c.candidate_id}` },
      { label: 'Score', cell: (c) => String(c.score), num: true },
      { label: 'Détail', cell: (c) => fr.scoreWords(c.score_parts) },
    ], r.candidates, 'Personne n’est éligible pour cette offre.'),
    h('details', {}, h('summary', {}, 'Personnes écartées par les filtres'), removedList(r.removed)));
}

export function proposalRows(ctx, items, withOffer = null) {
  const iod = ctx.isIod();
  return [
    { label: 'N°', cell: (p) => h('a', { href: `#/propositions/${p.id}` }, String(p.id)) },
    withOffer && { label: 'Offre', cell: (p) => withOffer(p) },
    { label: iod ? 'Personne' : 'Prénom', cell: (p) => p.candidate?.first_name ?? '—' },
    !iod && { label: 'Disponible le', cell: (p) => fr.date(p.candidate?.available_on) },
    { label: 'Statut', cell: (p) => fr.label(fr.PROPOSAL_STATUS, p.status) },
    { label: 'Rendez-vous au poste', cell: (p) => p.meeting ? `${fr.dateTime(p.meeting.at)}, ${p.meeting.place}` : '—' },
  ].filter(Boolean);
}

export async function show(ctx, id) {
  const iod = ctx.isIod();
  const { record: o, etag } = await getTagged(`/v1/offers/${encodeURIComponent(id)}`);
  const tag = { etag };
  const [co, props, rs] = await Promise.all([
    get(`/v1/companies/${o.company_id}`).catch(() => null),
    get(`/v1/proposals${qs({ offer_id: o.id, limit: 100 })}`),
    iod ? get('/v1/rulesets') : null,
  ]);
  const rule = rs && (rs.items.find((r) => r.name === o.ruleset) ?? rs.items.find((r) => r.default));
  const visit = o.workstation_visit;
  const again = async (msg) => { if (msg) ctx.announce(msg); ctx.main.replaceChildren(); await show(ctx, id); };
  const propsBox = h('div', { 'aria-live': 'polite' });
  const listProps = async () => {
    const r = await get(`/v1/proposals${qs({ offer_id: o.id, limit: 100 })}`);
    propsBox.replaceChildren(table('Propositions', proposalRows(ctx, r.items), r.items, 'Aucune proposition pour l’instant.'));
  };

  ctx.show(...title(o.title, [iod ? h('a', { href: `#/entreprises/${o.company_id}` }, co?.name ?? `entreprise n° ${o.company_id}`)
    : co?.name ?? '', ` · offre ${fr.label(fr.OFFER_STATUS, o.status)}`]));

  // The workstation visit: recorded here, edited here.
  const visitForm = iod && h('form', { class: 'visit', 'aria-label': 'Visite du poste de travail' },
    field('Date de la visite', 'on', { type: 'date', required: true, value: visit?.on ?? ctx.today }),
    field('Ce que la visite a appris', 'notes', { tag: 'textarea', rows: 3, maxlength: 2000, value: visit?.notes ?? '' }),
    h('div', { class: 'form-foot' }, h('button', { type: 'submit' }, 'Enregistrer la visite')));
  if (visitForm) {
    onSubmit(visitForm, async (fd) => {
      const r = await save(ctx, visitForm, `/v1/offers/${o.id}`,
        { workstation_visit: { on: text(fd, 'on'), notes: text(fd, 'notes') ?? null } }, tag, () => again());
      if (r) await again(`Visite du ${fr.date(r.workstation_visit?.on)} enregistrée.`);
    });
  }
  ctx.show(h('div', { class: 'columns' },
    h('section', { class: 'card', 'aria-labelledby': 'o-def' },
      h('h2', { id: 'o-def' }, 'Le poste'),
      dl([
        ['Métier', o.appellation_label ? `${o.appellation_label} — ${fr.rome(o.rome, o.rome_label)}` : fr.rome(o.rome, o.rome_label)],
        ['Commune', fr.commune(o, true)],
        ['Contrat', fr.label(fr.CONTRACTS, o.contract) + (o.duration_months ? `, ${o.duration_months} mois` : '')],
        ['Heures par semaine', String(o.weekly_hours)],
        ['Horaires', (o.schedule ?? []).map((s) => fr.label(fr.SCHEDULE, s)).join(', ') || 'sans contrainte'],
        ['Début', o.start_on ? fr.dayYear(o.start_on) : 'à convenir'],
        ['Exigences', (o.requirements ?? []).map((s) => fr.label(fr.REQUIREMENTS, s)).join(', ') || 'aucune'],
        ['Chargé·e de mission', o.owner],
        iod && ['Entreprise', [h('a', { href: `#/entreprises/${o.company_id}` }, co?.name ?? `n° ${o.company_id}`), ' · ',
          h('a', { href: `#/entreprises/${o.company_id}/journal` }, 'Journal des contacts')]],
      ].filter(Boolean))),
    h('section', { class: 'card', 'aria-labelledby': 'o-visit' },
      h('h2', { id: 'o-visit' }, 'Visite du poste de travail'),
      visit?.on ? [h('p', {}, `Visité le ${fr.date(visit.on)}.`), visit.notes && h('p', { class: 'notes' }, visit.notes),
        visitForm && h('details', {}, h('summary', {}, 'Modifier la visite'), visitForm)]
        : [h('p', { class: 'warn' }, 'Le poste n’a pas encore été visité.'), visitForm],
      rule && [h('h2', {}, 'Règle de mise en relation'),
        h('p', {}, h('a', { href: '#/regles' }, `${rule.name}, version ${rule.version}`),
          fr.rulesetText(rule) ? ` — ${fr.rulesetText(rule)}` : '')])));

  if (iod) {
    const out = h('div', { class: 'results', 'aria-live': 'polite' });
    const form = h('form', { class: 'inline' },
      h('button', { type: 'submit', name: 'propose', disabled: o.status !== 'open' }, 'Proposer'),
      h('button', { type: 'submit', name: 'rank', class: 'secondary' }, 'Voir le classement'),
      h('div', { class: 'form-foot' }));
    onSubmit(form, async (fd, btn) => {
      if (btn?.name === 'rank') {
        out.replaceChildren(ranked(await get(`/v1/offers/${o.id}/candidates?limit=10`)));
        return;
      }
      const r = await post(`/v1/offers/${o.id}/proposal`);
      out.replaceChildren(await explain(r));
      if (r.proposal) await listProps();
      ctx.announce(r.proposal ? `Proposition n° ${r.proposal.id} enregistrée.` : 'Personne n’est éligible.');
    });
    ctx.show(h('section', { class: 'card', 'aria-labelledby': 'o-prop' },
      h('h2', { id: 'o-prop' }, 'Proposer une personne'),
      h('p', {}, 'Une seule personne par offre, choisie par la règle ; l’entreprise la rencontre au poste de travail, sans CV.'),
      form, out));
  }
  propsBox.replaceChildren(table('Propositions', proposalRows(ctx, props.items), props.items, 'Aucune proposition pour l’instant.'));
  ctx.show(h('section', { class: 'card', 'aria-labelledby': 'o-props' },
    h('h2', { id: 'o-props' }, iod ? 'Propositions pour cette offre' : 'Mises en relation pour cette offre'), propsBox));
  if (!iod) return;
  ctx.show(await interestsSection(ctx, o));

  // Edit, fill, close, reopen.
  const edit = h('form', { class: 'form-grid', 'aria-label': 'Modifier l’offre' },
    offerFields(o, rs),
    h('div', { class: 'form-foot wide' }, h('button', { type: 'submit' }, 'Enregistrer les changements')));
  onSubmit(edit, async (fd) => {
    const r = await save(ctx, edit, `/v1/offers/${o.id}`, offerBody(fd, true), tag, () => again());
    if (r) await again('Offre modifiée.');
  });
  const state = h('form', { class: 'inline', 'aria-label': 'Statut de l’offre' },
    o.status === 'open' && [
      h('button', { type: 'submit', name: 'status', value: 'filled' }, 'Offre pourvue'),
      h('button', { type: 'submit', name: 'status', value: 'closed', class: 'secondary' }, 'Fermer l’offre')],
    o.status !== 'open' && h('button', { type: 'submit', name: 'status', value: 'open', class: 'secondary' }, 'Rouvrir l’offre'),
    h('div', { class: 'form-foot' }));
  onSubmit(state, async (fd, btn) => {
    const r = await save(ctx, state, `/v1/offers/${o.id}`, { status: btn.value }, tag, () => again());
    if (r) await again(`Offre ${fr.label(fr.OFFER_STATUS, r.status)}.`);
  });
  ctx.show(h('section', { class: 'card', 'aria-labelledby': 'o-edit' },
    h('h2', { id: 'o-edit' }, 'Modifier l’offre'),
    h('p', {}, o.status === 'open' ? 'Une offre pourvue ou fermée ne reçoit plus de proposition.'
      : `L’offre est ${fr.label(fr.OFFER_STATUS, o.status)}.`),
    state,
    h('details', {}, h('summary', {}, 'Modifier le poste, le contrat, la règle'), edit)));
}

// ---- the rule sets ---------------------------------------------------------------

export async function rulesets(ctx) {
  const r = await get('/v1/rulesets');
  ctx.show(...title('Règles de mise en relation',
    'Chaque proposition garde la règle et la version qui l’ont faite.'));
  for (const rs of r.items) {
    const pre = h('pre', { class: 'source', tabindex: '0' });
    const det = h('details', {}, h('summary', {}, 'Texte de la règle (YAML)'), pre);
    det.addEventListener('toggle', async () => {
      if (det.open && !pre.textContent) {
        try { pre.textContent = (await get(`/v1/rulesets/${encodeURIComponent(rs.name)}`)).source; } catch (e) {
          pre.textContent = e instanceof ApiError ? e.message : String(e);
        }
      }
    });
    ctx.show(h('section', { class: 'card' },
      h('h2', {}, rs.name, rs.default ? ' (par défaut)' : ''),
      dl([['Version', String(rs.version)], ['Description', fr.rulesetText(rs)], ['Territoires', rs.territories]]),
      det));
  }
}
