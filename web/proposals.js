// proposals.js — the proposals: the list (searched, filtered and paged on
// the server, each with its job by name), and one proposal's page where the
// chargé de mission schedules the mise en relation at the workstation and
// records its outcome (hire with the contract's terms, refusal, decline,
// no-show, withdrawal).  A company sees its own, in the no-CV view: a first
// name, the availability and the meeting.

import { get, post, qs, onSubmit } from './api.js';
import * as fr from './fr.js';
import { h, field, select, table, dl, title, num, text } from './ui.js';
import { proposalRows, territorySelect } from './offers.js';
import { pager, liveFilters, formParams, memo } from './records.js';

const OPEN = ['proposed', 'meeting_scheduled'];

export async function list(ctx) {
  const iod = ctx.isIod();
  const offerTitle = memo((id) => get(`/v1/offers/${id}`).then((o) => o.title));
  const cols = proposalRows(ctx, [], (p) => h('a', { href: `#/offres/${p.offer_id}` },
    p.job?.offer_title ?? p._title ?? `offre n° ${p.offer_id}`));
  if (iod) cols.splice(2, 0, { label: 'Entreprise', cell: (p) => p.job?.company_name ?? '—' });
  cols.splice(iod ? 3 : 2, 0, { label: 'Commune', cell: (p) => p.job?.commune_name ?? p.job?.commune ?? '—' });
  const form = h('form', { class: 'filters card', role: 'search', 'aria-label': 'Chercher des propositions' },
    field('Recherche', 'q', { type: 'search', placeholder: iod ? 'personne, poste, entreprise' : 'prénom, poste' }),
    select('Statut', 'status', fr.PROPOSAL_STATUS, { empty: 'tous' }),
    iod && territorySelect(),
    h('div', { class: 'form-foot' }, h('button', { type: 'submit' }, 'Filtrer')));
  const p = pager({
    path: '/v1/proposals', params: () => formParams(form), nouns: ['proposition', 'propositions'],
    render: async (items) => {
      await Promise.all(items.filter((x) => !x.job).map(async (x) => { x._title = await offerTitle(x.offer_id); }));
      return table('Propositions', cols, items, 'Aucune proposition.', { hideCaption: true });
    },
  });
  onSubmit(form, () => p.load());
  liveFilters(form, p.load);
  ctx.show(...title(iod ? 'Propositions' : 'Mises en relation',
    iod ? 'Une personne par offre ; la rencontre a lieu au poste de travail.'
      : 'Les personnes que l’équipe IOD vous propose de rencontrer à votre poste de travail.'), form, p.node);
  await p.load();
}

// A small form with its own title; fn(fd) posts it.
function action(ctx, heading, fields, button, fn) {
  const form = h('form', { class: 'card action' },
    h('h3', {}, heading), fields,
    h('div', { class: 'form-foot' }, h('button', { type: 'submit' }, button)));
  onSubmit(form, fn);
  return form;
}

// « Rejouer »: the proposal searched again on the records, the rule-set
// version and the day it was made; « même résultat » or what differs.
function replayButton(p) {
  const out = h('div', { role: 'status' });
  const nth = (x) => (x == null ? 'aucun' : String(x));
  const why = (d) => ({
    erased: d.what === 'candidate_id'
      ? `la personne retenue (n° ${d.candidate_id}) a depuis été effacée à sa demande : sa fiche est anonyme`
      : `${d.filter ? fr.FILTERS[d.filter] ?? d.filter : 'personnes éligibles'} : ${nth(d.then)} alors, ${nth(d.replayed)} rejoué — des personnes ont depuis été effacées à leur demande`,
    not_kept: `${d.filter ? fr.FILTERS[d.filter] ?? d.filter : 'personnes éligibles'} : ${nth(d.then)} alors, ${nth(d.replayed)} rejoué — une version de fiche de ce jour n’est pas conservée`,
    no_record: `la fiche (n° ${d.candidate_id ?? p.offer_id}) de ce jour manque`,
    set_aside: `la personne retenue (n° ${d.candidate_id}) est écartée au rejeu : ${fr.FILTERS[d.filter] ?? d.filter}`,
    outscored: `la personne n° ${d.candidate_id} obtient ${d.replayed} points au rejeu, contre ${d.then} alors`,
    nobody: 'personne n’est éligible au rejeu',
    score: `score : ${d.then} alors, ${d.replayed} rejoué`,
    part: `${d.criterion} : ${nth(d.then)} point(s) alors, ${nth(d.replayed)} rejoué(s)`,
    no_version: `la version ${p.ruleset_version} de la règle n’est plus dans la base`,
    no_compile: `la version ${p.ruleset_version} de la règle ne se compile plus`,
    not_in_log: 'sa création n’est pas dans le journal',
  }[d.cause] ?? d.why);
  const button = h('button', { type: 'button' }, 'Rejouer');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const r = await get(`/v1/proposals/${p.id}/replay`);
      out.replaceChildren(r.same
        ? h('p', {}, h('strong', {}, 'même résultat'),
          ` — règle ${r.ruleset}, version ${r.ruleset_version} ; personne n° ${r.replayed.candidate_id}, ${r.replayed.score} points`)
        : h('ul', {}, ...r.differences.map((d) => h('li', {}, why(d)))));
    } catch (e) {
      out.replaceChildren(h('p', {}, `Rejeu impossible : ${e.message ?? e}`));
    } finally {
      button.disabled = false;
    }
  });
  return h('section', { class: 'card', 'aria-label': 'Rejouer la proposition' },
    h('p', { class: 'actions' }, button), out);
}

export async function show(ctx, id) {
  const iod = ctx.isIod();
  const p = await get(`/v1/proposals/${encodeURIComponent(id)}`);
  const o = await get(`/v1/offers/${p.offer_id}`);
  const co = await get(`/v1/companies/${o.company_id}`).catch(() => null);
  const who = p.candidate?.first_name ?? `personne n° ${p.candidate_id}`;
  const reload = async (msg) => { ctx.announce(msg); ctx.main.replaceChildren(); await show(ctx, id); };

  ctx.show(...title(`${who} · ${p.job?.offer_title ?? o.title}`,
    `${p.job?.company_name ?? co?.name ?? 'entreprise n° ' + o.company_id} · ${p.job?.commune_name ?? fr.commune(o)} · proposition n° ${p.id}`));
  ctx.show(h('section', { class: 'card', 'aria-labelledby': 'p-facts' },
    h('h2', { id: 'p-facts' }, 'Où en est-on'),
    dl([
      ['Statut', h('strong', {}, fr.label(fr.PROPOSAL_STATUS, p.status))],
      ['Personne', iod ? h('a', { href: `#/candidats/${p.candidate_id}` }, who) : who],
      ['Disponible le', p.candidate?.available_on ? fr.date(p.candidate.available_on) : null],
      ['Offre', h('a', { href: `#/offres/${o.id}` }, o.title)],
      ['Entreprise', iod ? h('a', { href: `#/entreprises/${o.company_id}` }, co?.name ?? `n° ${o.company_id}`) : null],
      ['Commune', fr.commune(o)],
      ['Contrat', fr.label(fr.CONTRACTS, o.contract)],
      ['Début', o.start_on ? fr.date(o.start_on) : 'à convenir'],
      ['Proposée le', fr.date(p.proposed_on)],
      ['Rendez-vous au poste', p.meeting ? `${fr.dateTime(p.meeting.at)} — ${p.meeting.place}` : 'pas encore fixé'],
      ['Décidée le', p.decided_on ? fr.date(p.decided_on) : null],
      iod && ['Motif', p.reason],
      iod && ['Score', p.score !== undefined ? `${p.score} — ${fr.scoreWords(p.score_parts)}` : null],
      iod && ['Règle', p.ruleset ? `${p.ruleset}, version ${p.ruleset_version} ; ${p.eligible} personne(s) éligible(s)` : null],
    ].filter(Boolean))));

  if (p.score !== undefined) ctx.show(replayButton(p));

  if (p.status === 'hired' && iod) {
    const pl = (await get(`/v1/placements${qs({ proposal_id: p.id })}`).catch(() => ({ items: [] }))).items[0];
    if (pl) {
      ctx.show(h('p', { class: 'actions' },
        h('a', { class: 'button', href: `#/embauches/${pl.id}` }, 'Voir l’embauche et le calendrier de suivi')));
    }
  }
  if (!iod || !OPEN.includes(p.status)) return;

  const forms = h('div', { class: 'actions-grid' });
  forms.append(action(ctx, p.meeting ? 'Déplacer la mise en relation' : 'Fixer la mise en relation',
    h('fieldset', { class: 'field', name: 'meeting' },
      h('legend', {}, 'Rendez-vous au poste de travail'),
      field('Date et heure', 'meeting.at', { type: 'datetime-local', required: true, value: p.meeting?.at ?? '' }),
      field('Lieu', 'meeting.place', { required: true, maxlength: 200,
        value: p.meeting?.place ?? (co ? `${co.name}, poste de travail` : '') })),
    'Enregistrer le rendez-vous',
    async (fd) => {
      await post(`/v1/proposals/${p.id}/meeting`, { meeting: { at: fd.get('meeting.at'), place: text(fd, 'meeting.place') } });
      await reload('Rendez-vous enregistré.');
    }));

  if (p.status === 'meeting_scheduled') {
    forms.append(action(ctx, 'Embauche',
      [select('Contrat', 'contract', fr.CONTRACTS, { value: o.contract }),
        field('Début du contrat', 'start_on', { type: 'date', required: true, value: o.start_on ?? '' }),
        field('Heures par semaine', 'weekly_hours', { type: 'number', min: 1, max: 48, value: String(o.weekly_hours ?? '') }),
        field('Durée (mois, contrat à durée déterminée)', 'duration_months', { type: 'number', min: 1, max: 60, value: o.duration_months ? String(o.duration_months) : '' }),
        field('Période d’essai (semaines)', 'trial_weeks', { type: 'number', min: 0, max: 52 },
          'Laisser vide : la durée prévue par la règle pour ce contrat.')],
      'Enregistrer l’embauche',
      async (fd) => {
        await post(`/v1/proposals/${p.id}/hire`, {
          contract: fd.get('contract'), start_on: text(fd, 'start_on'), weekly_hours: num(fd, 'weekly_hours'),
          duration_months: num(fd, 'duration_months'), trial_weeks: num(fd, 'trial_weeks'),
        });
        const pl = (await get(`/v1/placements${qs({ proposal_id: p.id })}`)).items[0];
        ctx.announce('Embauche enregistrée, suivi planifié.');
        if (pl) ctx.go(`#/embauches/${pl.id}`); else await reload('Embauche enregistrée.');
      }));
    forms.append(action(ctx, 'Absence au rendez-vous', h('p', {}, `${who} n’est pas venu·e au rendez-vous.`),
      'Enregistrer l’absence',
      async () => { await post(`/v1/proposals/${p.id}/no-show`); await reload('Absence enregistrée.'); }));
  }
  forms.append(action(ctx, 'Autre issue',
    [select('Issue', 'outcome', {
      refuse: 'l’entreprise ne retient pas la personne',
      decline: 'la personne décline l’offre',
      withdraw: 'retirer la proposition',
    }),
    field('Motif', 'reason', { tag: 'textarea', rows: 2, maxlength: 1000 })],
    'Enregistrer l’issue',
    async (fd) => {
      const outcome = fd.get('outcome');
      await post(`/v1/proposals/${p.id}/${outcome}`, { reason: text(fd, 'reason') ?? '' });
      await reload('Issue enregistrée.');
    }));
  ctx.show(h('section', { 'aria-labelledby': 'p-acts' }, h('h2', { id: 'p-acts' }, 'Enregistrer la suite'), forms));
}
