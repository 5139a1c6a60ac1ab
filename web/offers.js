// offers.js — the offers: the list with its filters, the form of a new
// offer, an offer's page (the workstation visit, the rule set, « Proposer »
// and why, the ranked list on demand, its proposals), and the rule sets.
// A company sees the same list and pages, its own offers only, without the
// matching (the API would refuse it anyway).

import { get, post, qs, onSubmit, ApiError } from './api.js';
import * as fr from './fr.js';
import { h, field, select, checks, table, dl, title, all, num, text } from './ui.js';

// The companies the token may read, by id.
export async function companies(ctx) {
  if (ctx.isIod()) {
    const r = await get('/v1/companies?limit=1000');
    return new Map(r.items.map((c) => [c.id, c]));
  }
  if (ctx.me.role === 'company') {
    const c = await get(`/v1/companies/${ctx.me.company_id}`);
    return new Map([[c.id, c]]);
  }
  return new Map();
}

const link = (hash, text) => h('a', { href: hash }, text);

export async function list(ctx) {
  const iod = ctx.isIod();
  const cos = await companies(ctx);
  const cols = [
    { label: 'Intitulé', cell: (o) => link(`#/offres/${o.id}`, o.title) },
    iod && { label: 'Entreprise', cell: (o) => cos.get(o.company_id)?.name ?? o.company_id },
    { label: 'ROME', cell: (o) => o.rome },
    { label: 'Commune', cell: (o) => o.commune },
    { label: 'Contrat', cell: (o) => fr.label(fr.CONTRACTS, o.contract) + (o.duration_months ? ` ${o.duration_months} mois` : '') },
    { label: 'Début', cell: (o) => fr.date(o.start_on) },
    { label: 'Statut', cell: (o) => fr.label(fr.OFFER_STATUS, o.status) },
  ].filter(Boolean);
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  const form = h('form', { class: 'filters card', role: 'search', 'aria-label': 'Filtrer les offres' },
    select('Statut', 'status', fr.OFFER_STATUS, { empty: 'tous', value: iod ? 'open' : '' }),
    iod && select('Entreprise', 'company_id',
      Object.fromEntries([...cos.values()].map((c) => [c.id, c.name])), { empty: 'toutes' }),
    field('Commune (code INSEE)', 'commune', { inputmode: 'numeric', maxlength: 5, placeholder: '69388' }),
    field('Code ROME', 'rome', { maxlength: 5, placeholder: 'K2204' }),
    h('div', { class: 'form-foot' }, h('button', { type: 'submit' }, 'Filtrer')));
  async function load(fd) {
    const r = await get('/v1/offers' + qs({
      status: fd.get('status'), company_id: fd.get('company_id'),
      commune: text(fd, 'commune'), rome: text(fd, 'rome')?.toUpperCase(), limit: 500,
    }));
    results.replaceChildren(table(`${r.items.length} offre${r.items.length > 1 ? 's' : ''}`, cols, r.items,
      'Aucune offre ne correspond à ces critères.'));
  }
  onSubmit(form, load);
  ctx.show(...title(iod ? 'Offres' : 'Nos offres'),
    iod && h('p', { class: 'actions' }, h('a', { class: 'button', href: '#/offres/nouvelle' }, 'Nouvelle offre')),
    form, results);
  await load(new FormData(form));
}

// ---- a new offer ------------------------------------------------------------

export async function create(ctx) {
  const [cos, rs] = await Promise.all([companies(ctx), get('/v1/rulesets')]);
  const def = rs.items.find((r) => r.default)?.name ?? '';
  const form = h('form', { class: 'card form-grid', 'aria-label': 'Nouvelle offre' },
    select('Entreprise', 'company_id', Object.fromEntries([...cos.values()].map((c) => [c.id, c.name])),
      { empty: 'choisir…', required: true }),
    field('Intitulé du poste', 'title', { required: true, maxlength: 200 }),
    field('Code ROME', 'rome', { required: true, maxlength: 5, placeholder: 'K2204' }, 'Une lettre et quatre chiffres.'),
    field('Appellation ROME (facultatif)', 'appellation', { maxlength: 8, inputmode: 'numeric' }),
    field('Commune du poste (code INSEE)', 'commune', { required: true, maxlength: 5, inputmode: 'numeric', placeholder: '69388' },
      'Lyon par arrondissement : 69381 à 69389.'),
    select('Contrat', 'contract', fr.CONTRACTS, { required: true, value: 'CDI' }),
    field('Durée (mois, pour un contrat à durée déterminée)', 'duration_months', { type: 'number', min: 0, max: 120 }),
    field('Heures par semaine', 'weekly_hours', { type: 'number', min: 1, max: 48, required: true, value: '35' }),
    checks('Horaires particuliers', 'schedule', fr.SCHEDULE),
    field('Début', 'start_on', { type: 'date' }),
    checks('Exigences', 'requirements', fr.REQUIREMENTS),
    h('fieldset', { class: 'field wide', name: 'workstation_visit' },
      h('legend', {}, 'Visite du poste de travail'),
      field('Date de la visite', 'workstation_visit.on', { type: 'date' }),
      field('Ce que la visite a appris', 'workstation_visit.notes', { tag: 'textarea', rows: 3, maxlength: 2000 })),
    select('Règle de mise en relation', 'ruleset',
      Object.fromEntries(rs.items.map((r) => [r.name, `${r.name} (version ${r.version})`])), { value: def }),
    h('div', { class: 'form-foot wide' },
      h('button', { type: 'submit' }, 'Enregistrer l’offre'),
      h('a', { href: '#/offres' }, 'Annuler')));
  onSubmit(form, async (fd) => {
    const visit = { on: text(fd, 'workstation_visit.on'), notes: text(fd, 'workstation_visit.notes') };
    const body = {
      company_id: num(fd, 'company_id'), title: text(fd, 'title'),
      rome: text(fd, 'rome')?.toUpperCase(), appellation: text(fd, 'appellation'),
      commune: text(fd, 'commune'), contract: fd.get('contract'),
      duration_months: num(fd, 'duration_months'), weekly_hours: num(fd, 'weekly_hours'),
      schedule: all(fd, 'schedule'), start_on: text(fd, 'start_on'),
      requirements: all(fd, 'requirements'), ruleset: text(fd, 'ruleset'),
    };
    if (visit.on || visit.notes) body.workstation_visit = visit;
    const o = await post('/v1/offers', body);
    ctx.announce(`Offre n° ${o.id} enregistrée.`);
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
  const o = await get(`/v1/offers/${encodeURIComponent(id)}`);
  const [co, props, rs] = await Promise.all([
    get(`/v1/companies/${o.company_id}`).catch(() => null),
    get(`/v1/proposals${qs({ offer_id: o.id, limit: 100 })}`),
    iod ? get('/v1/rulesets') : null,
  ]);
  const rule = rs && (rs.items.find((r) => r.name === o.ruleset) ?? rs.items.find((r) => r.default));
  const visit = o.workstation_visit;

  ctx.show(...title(o.title, `${co?.name ?? 'Entreprise n° ' + o.company_id} · offre ${fr.label(fr.OFFER_STATUS, o.status)}`));
  ctx.show(h('div', { class: 'columns' },
    h('section', { class: 'card', 'aria-labelledby': 'o-def' },
      h('h2', { id: 'o-def' }, 'Le poste'),
      dl([
        ['Métier (ROME)', o.rome + (o.appellation ? ` · appellation ${o.appellation}` : '')],
        ['Commune', o.commune],
        ['Contrat', fr.label(fr.CONTRACTS, o.contract) + (o.duration_months ? `, ${o.duration_months} mois` : '')],
        ['Heures par semaine', String(o.weekly_hours)],
        ['Horaires', (o.schedule ?? []).map((s) => fr.label(fr.SCHEDULE, s)).join(', ') || 'sans contrainte'],
        ['Début', o.start_on ? fr.dayYear(o.start_on) : 'à convenir'],
        ['Exigences', (o.requirements ?? []).map((s) => fr.label(fr.REQUIREMENTS, s)).join(', ') || 'aucune'],
        ['Chargé·e de mission', o.owner],
        iod && ['Entreprise', h('a', { href: `#/entreprises/${o.company_id}/journal` }, 'Journal des contacts')],
      ].filter(Boolean))),
    h('section', { class: 'card', 'aria-labelledby': 'o-visit' },
      h('h2', { id: 'o-visit' }, 'Visite du poste de travail'),
      visit?.on ? [h('p', {}, `Visité le ${fr.date(visit.on)}.`), visit.notes && h('p', { class: 'notes' }, visit.notes)]
        : h('p', { class: 'warn' }, 'Le poste n’a pas encore été visité.'),
      rule && [h('h2', {}, 'Règle de mise en relation'),
        h('p', {}, h('a', { href: '#/regles' }, `${rule.name}, version ${rule.version}`),
          rule.description ? ` — ${rule.description}` : '')])));

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
      ctx.announce(r.proposal ? `Proposition n° ${r.proposal.id} enregistrée.` : 'Personne n’est éligible.');
    });
    ctx.show(h('section', { class: 'card', 'aria-labelledby': 'o-prop' },
      h('h2', { id: 'o-prop' }, 'Proposer une personne'),
      h('p', {}, 'Une seule personne par offre, choisie par la règle ; l’entreprise la rencontre au poste de travail, sans CV.'),
      form, out));
  }
  ctx.show(h('section', { class: 'card', 'aria-labelledby': 'o-props' },
    h('h2', { id: 'o-props' }, iod ? 'Propositions pour cette offre' : 'Mises en relation pour cette offre'),
    table('Propositions', proposalRows(ctx, props.items), props.items, 'Aucune proposition pour l’instant.')));
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
      dl([['Version', String(rs.version)], ['Description', rs.description], ['Territoires', rs.territories]]),
      det));
  }
}
