// proposals.js — the proposals: the list, and one proposal's page where the
// chargé de mission schedules the mise en relation at the workstation and
// records its outcome (hire with the contract's terms, refusal, decline,
// no-show, withdrawal).  A company sees its own, in the no-CV view: a first
// name, the availability and the meeting.

import { get, post, qs, onSubmit } from './api.js';
import * as fr from './fr.js';
import { h, field, select, table, dl, title, num, text } from './ui.js';
import { proposalRows } from './offers.js';

const OPEN = ['proposed', 'meeting_scheduled'];

export async function list(ctx) {
  const iod = ctx.isIod();
  const offers = new Map((await get('/v1/offers?limit=1000')).items.map((o) => [o.id, o]));
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  const form = h('form', { class: 'filters card', role: 'search', 'aria-label': 'Filtrer les propositions' },
    select('Statut', 'status', fr.PROPOSAL_STATUS, { empty: 'tous' }),
    h('div', { class: 'form-foot' }, h('button', { type: 'submit' }, 'Filtrer')));
  const cols = proposalRows(ctx, [], (p) => h('a', { href: `#/offres/${p.offer_id}` },
    offers.get(p.offer_id)?.title ?? `offre n° ${p.offer_id}`));
  async function load(fd) {
    const r = await get('/v1/proposals' + qs({ status: fd.get('status'), limit: 1000 }));
    const items = r.items.slice().reverse();
    results.replaceChildren(table(`${items.length} proposition${items.length > 1 ? 's' : ''}`, cols, items,
      'Aucune proposition.'));
  }
  onSubmit(form, load);
  ctx.show(...title(iod ? 'Propositions' : 'Mises en relation',
    iod ? 'Une personne par offre ; la rencontre a lieu au poste de travail.'
      : 'Les personnes que l’équipe IOD vous propose de rencontrer à votre poste de travail.'), form, results);
  await load(new FormData(form));
}

// A small form with its own title; fn(fd) posts it.
function action(ctx, heading, fields, button, fn) {
  const form = h('form', { class: 'card action' },
    h('h3', {}, heading), fields,
    h('div', { class: 'form-foot' }, h('button', { type: 'submit' }, button)));
  onSubmit(form, fn);
  return form;
}

export async function show(ctx, id) {
  const iod = ctx.isIod();
  const p = await get(`/v1/proposals/${encodeURIComponent(id)}`);
  const o = await get(`/v1/offers/${p.offer_id}`);
  const co = await get(`/v1/companies/${o.company_id}`).catch(() => null);
  const who = p.candidate?.first_name ?? `personne n° ${p.candidate_id}`;
  const reload = async (msg) => { ctx.announce(msg); ctx.main.replaceChildren(); await show(ctx, id); };

  ctx.show(...title(`Proposition n° ${p.id} : ${who}`,
    `${o.title} · ${co?.name ?? 'entreprise n° ' + o.company_id}`));
  ctx.show(h('section', { class: 'card', 'aria-labelledby': 'p-facts' },
    h('h2', { id: 'p-facts' }, 'Où en est-on'),
    dl([
      ['Statut', h('strong', {}, fr.label(fr.PROPOSAL_STATUS, p.status))],
      ['Personne', iod ? h('a', { href: `#/candidats/${p.candidate_id}` }, who) : who],
      ['Disponible le', p.candidate?.available_on ? fr.date(p.candidate.available_on) : null],
      ['Offre', h('a', { href: `#/offres/${o.id}` }, o.title)],
      ['Proposée le', fr.date(p.proposed_on)],
      ['Rendez-vous au poste', p.meeting ? `${fr.dateTime(p.meeting.at)} — ${p.meeting.place}` : 'pas encore fixé'],
      ['Décidée le', p.decided_on ? fr.date(p.decided_on) : null],
      iod && ['Motif', p.reason],
      iod && ['Score', p.score !== undefined ? `${p.score} — ${fr.scoreWords(p.score_parts)}` : null],
      iod && ['Règle', p.ruleset ? `${p.ruleset}, version ${p.ruleset_version} ; ${p.eligible} personne(s) éligible(s)` : null],
    ].filter(Boolean))));

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
