// candidates.js — the people: the list searched, filtered and paged on the
// server; a référent's own candidates (the API shows them no one else's),
// each with the job they are proposed for or hired in (offer, company,
// commune, contract, start, meeting: the proposal's `job`) and what
// happened to them in French sentences, live from the event stream; a
// person's page, edited under If-Match; and the form that orients a new
// person (their profile, with consent).  A chargé de mission sees the same
// pages for all.

import { get, getTagged, post, onSubmit, stream } from './api.js';
import * as fr from './fr.js';
import { h, field, select, checks, table, dl, title, all, num, text } from './ui.js';
import { pager, liveFilters, formParams, save, getAll } from './records.js';
import { communeField, tradesField } from './complete.js';
import { territorySelect } from './offers.js';
import { calendarLink } from './followups.js';

// The person an event is about, or null.
const subjectOf = (ev) => (ev.entity === 'candidate' ? ev.id : ev.data?.candidate_id ?? null);

// The proposals an event may belong to: by id, and by offer and person.
function proposalIndex(list) {
  const byId = new Map(list.map((p) => [p.id, p]));
  return {
    byId,
    add(p) { byId.set(p.id, p); },
    // The proposal of event ev, or null; fetched when it is new or live.
    async of(ev, fresh = false) {
      const d = ev.data ?? {};
      const id = ev.entity === 'proposal' ? ev.id : d.proposal_id ?? null;
      if (id !== null) {
        if (fresh || !byId.has(id)) {
          try { byId.set(id, await get(`/v1/proposals/${id}`)); } catch (_) { /* keep what is known */ }
        }
        return byId.get(id) ?? null;
      }
      if (d.offer_id !== undefined) {
        for (const p of byId.values()) if (p.offer_id === d.offer_id && p.candidate_id === d.candidate_id) return p;
      }
      return null;
    },
  };
}

// What happened, dated, in a sentence.
function eventItem(ev, c, p) {
  return h('li', { class: 'event' },
    h('time', { datetime: new Date(ev.at * 1000).toISOString() }, fr.stamp(ev.at)), ' ',
    h('span', {}, fr.eventSentence(ev, c, p)));
}

// Follow the stream from the start; fn(ev) for each event about someone.
function follow(ctx, fn, state) {
  const stop = stream(0, (ev) => { if (subjectOf(ev) !== null) fn(ev); }, (st, e) => {
    state.textContent = st === 'live' ? 'Mises à jour en direct.'
      : st === 'retry' ? 'Connexion perdue, reprise…' : `Flux indisponible : ${e?.message ?? ''}`;
  });
  ctx.onLeave(stop);
}

// The job of a proposal, in a few facts: the offer, the company, the
// commune, the contract, the start and the meeting at the workstation.
export function jobFacts(p) {
  const j = p.job ?? {};
  return dl([
    ['Poste', j.offer_title ?? `offre n° ${p.offer_id}`],
    ['Entreprise', j.company_name],
    ['Commune', j.commune_name ?? j.commune],
    ['Contrat', j.contract ? fr.label(fr.CONTRACTS, j.contract) : null],
    ['Début', j.start_on ? fr.date(j.start_on) : null],
    ['Rencontre au poste', p.meeting?.at ? `${fr.dateTime(p.meeting.at)}${p.meeting.place ? ', ' + p.meeting.place : ''}` : null],
    ['Où en est-on', fr.label(fr.PROPOSAL_STATUS, p.status)],
  ]);
}

// The one proposal that says where a person is: the latest.
const current = (props) => props.reduce((a, p) => (a === null || p.id > a.id ? p : a), null);

export async function list(ctx) {
  const ref = ctx.me.role === 'referent';
  if (ref) return mine(ctx);
  const refs = await getAll('/v1/referents');
  const refName = new Map(refs.map((r) => [r.id, r.name]));
  const cols = [
    { label: 'Nom', cell: (c) => h('a', { href: `#/candidats/${c.id}` }, `${c.first_name} ${c.last_name}`) },
    { label: 'Commune', cell: (c) => fr.commune(c, true) },
    { label: 'Dispositif', cell: (c) => fr.label(fr.PROGRAMMES, c.programme) },
    { label: 'Référent·e', cell: (c) => refName.get(c.referent_id) ?? `n° ${c.referent_id}` },
    { label: 'Métiers', cell: (c) => fr.romes(c) },
    { label: 'Disponible le', cell: (c) => fr.date(c.available_on) },
    { label: 'Situation', cell: (c) => fr.label(fr.CANDIDATE_STATUS, c.status) },
  ];
  const form = h('form', { class: 'filters card', role: 'search', 'aria-label': 'Chercher des personnes' },
    field('Recherche', 'q', { type: 'search', placeholder: 'nom, prénom' }),
    select('Situation', 'status', fr.CANDIDATE_STATUS, { empty: 'toutes' }),
    select('Dispositif', 'programme', fr.PROGRAMMES, { empty: 'tous' }),
    select('Référent·e', 'referent_id', Object.fromEntries(refs.map((r) => [r.id, `${r.name} (${r.structure})`])), { empty: 'tous' }),
    territorySelect(),
    h('div', { class: 'form-foot' }, h('button', { type: 'submit' }, 'Filtrer')));
  const p = pager({
    path: '/v1/candidates', params: () => formParams(form), cols, nouns: ['personne', 'personnes'],
    empty: 'Personne ne correspond à ces critères.',
  });
  onSubmit(form, () => p.load());
  liveFilters(form, p.load);
  ctx.show(...title('Candidats'),
    h('p', { class: 'actions' }, h('a', { class: 'button', href: '#/candidats/nouveau' }, 'Orienter une personne')),
    form, p.node);
  await p.load();
}

// A référent's own people, a card each: the job, the latest news, the
// history, live; then their « Mon agenda » link.
async function mine(ctx) {
  const props = proposalIndex(await getAll('/v1/proposals'));
  const state = h('p', { class: 'stream-state', 'aria-live': 'off' }, 'Connexion au fil des événements…');
  const shown = new Map();	// candidate id -> {c, ul, news, job}
  const jobOf = (c) => {
    const p = current([...props.byId.values()].filter((x) => x.candidate_id === c.id));
    return p ? [h('h3', {}, p.status === 'hired' ? 'Son emploi' : 'Le poste proposé'), jobFacts(p)]
      : h('p', { class: 'empty' }, 'Pas encore de proposition.');
  };
  const form = h('form', { class: 'filters card', role: 'search', 'aria-label': 'Chercher parmi mes candidats' },
    field('Recherche', 'q', { type: 'search', placeholder: 'nom, prénom' }),
    select('Situation', 'status', fr.CANDIDATE_STATUS, { empty: 'toutes' }),
    h('div', { class: 'form-foot' }, h('button', { type: 'submit' }, 'Filtrer')));
  // Each page of cards reads the stream again from the start, so that
  // every card has its whole history; events are told in order.
  let stop = null;
  let gen = 0;
  const since = Date.now() / 1000 - 5;
  const restart = () => {
    if (stop) stop();
    const mine = ++gen;
    let chain = Promise.resolve();
    stop = stream(0, (ev) => {
      chain = chain.then(async () => {
        const s = shown.get(subjectOf(ev));
        if (!s || mine !== gen) return;
        const live = ev.at >= since;
        const pr = await props.of(ev, live);
        if (mine !== gen) return;
        const line = fr.eventSentence(ev, s.c, pr);
        s.ul.prepend(eventItem(ev, s.c, pr));
        s.news.replaceChildren(h('strong', {}, 'Dernière nouvelle : '), line, ` (${fr.stamp(ev.at)})`);
        if (live) {
          s.job.replaceChildren(...[jobOf(s.c)].flat());
          ctx.announce(line);
        }
      });
    }, (st, e) => {
      state.textContent = st === 'live' ? 'Mises à jour en direct.'
        : st === 'retry' ? 'Connexion perdue, reprise…' : `Flux indisponible : ${e?.message ?? ''}`;
    });
  };
  const p = pager({
    path: '/v1/candidates', params: () => formParams(form), nouns: ['personne', 'personnes'],
    after: restart,
    render: (items) => {
      shown.clear();
      if (!items.length) return h('p', { class: 'empty' }, 'Personne ne correspond, ou vous n’avez orienté personne pour l’instant.');
      return h('ul', { class: 'people' }, items.map((c) => {
        const ul = h('ul', { class: 'events' });
        const news = h('p', { class: 'news' }, 'Pas encore de nouvelle.');
        const job = h('div', { class: 'job' }, jobOf(c));
        shown.set(c.id, { c, ul, news, job });
        return h('li', { class: 'card person', id: `c-${c.id}` },
          h('h2', {}, h('a', { href: `#/candidats/${c.id}` }, `${c.first_name} ${c.last_name}`)),
          h('p', { class: 'sub' }, `${fr.label(fr.CANDIDATE_STATUS, c.status)} · disponible le ${fr.date(c.available_on)}`,
            c.stalled && h('strong', { class: 'warn' }, ` · sans proposition depuis ${c.stalled.days} jours`)),
          job, news,
          h('details', {}, h('summary', {}, 'Historique'), ul));
      }));
    },
  });
  ctx.onLeave(() => { if (stop) stop(); });
  onSubmit(form, () => p.load());
  liveFilters(form, p.load);
  ctx.show(...title('Mes candidats', 'Les personnes que vous avez orientées vers l’équipe IOD, et ce qui leur arrive.'),
    h('p', { class: 'actions' }, h('a', { class: 'button', href: '#/candidats/nouveau' }, 'Orienter une personne')),
    form, state, p.node);
  await p.load();
  // « Mon agenda »: their people's follow-ups, in their own calendar.
  const cal = await calendarLink(ctx);
  if (cal) ctx.show(cal);
}

export async function show(ctx, id) {
  const iod = ctx.isIod();
  const ref = ctx.me.role === 'referent';
  const { record: c, etag } = await getTagged(`/v1/candidates/${encodeURIComponent(id)}`);
  const tag = { etag };
  const [props, pls, referent] = await Promise.all([
    getAll('/v1/proposals', { candidate_id: c.id }),
    getAll('/v1/placements', { candidate_id: c.id }).catch(() => []),
    get(`/v1/referents/${c.referent_id}`).catch(() => null),
  ]);
  const again = async (msg) => { if (msg) ctx.announce(msg); ctx.main.replaceChildren(); await show(ctx, id); };
  const now = current(props);
  ctx.show(...title(`${c.first_name} ${c.last_name}`, fr.label(fr.CANDIDATE_STATUS, c.status)));
  ctx.show(h('div', { class: 'columns' },
    h('section', { class: 'card' }, h('h2', {}, 'Profil'), dl([
      ['Née ou né le', fr.date(c.birth_date)],
      ['Commune', fr.commune(c, true) + (c.qpv ? ` · QPV${c.qpv_code ? ' ' + c.qpv_code : ''}` : '')],
      ['Dispositif', fr.label(fr.PROGRAMMES, c.programme)],
      ['Référent·e', referent ? (iod ? h('a', { href: `#/referents/${referent.id}` }, `${referent.name} (${referent.structure})`)
        : `${referent.name} (${referent.structure})`) : `n° ${c.referent_id}`],
      ['Orienté·e le', fr.date(c.oriented_on)],
      ['Publics', (c.publics ?? []).map((p) => fr.label(fr.PUBLICS, p)).join(', ') || 'aucun'],
      ['Métiers recherchés', fr.romes(c)],
      ['Contrats acceptés', (c.contracts ?? []).map((x) => fr.label(fr.CONTRACTS, x)).join(', ') || 'tous'],
      ['Heures par semaine au plus', c.max_weekly_hours ? String(c.max_weekly_hours) : null],
      ['Horaires possibles', (c.schedule_ok ?? []).map((x) => fr.label(fr.SCHEDULE, x)).join(', ') || 'horaires de journée'],
      ['Mobilité', [c.mobility?.licence_b && 'permis B', c.mobility?.vehicle && 'véhicule',
        'jusqu’à ' + fr.label(fr.ZONES, c.mobility?.zone)].filter(Boolean).join(', ')],
      ['Disponible le', fr.date(c.available_on)],
      ['Consentement', c.consent ? `le ${fr.date(c.consent.on)} (${c.consent.scope === 'matching' ? 'mise en relation' : 'mise en relation et suivi'})` : 'non recueilli'],
    ])),
    h('section', { class: 'card' }, h('h2', {}, 'Propositions et embauches'),
      now && [h('h3', {}, now.status === 'hired' ? 'Son emploi' : 'Le poste proposé'), jobFacts(now)],
      table('Propositions', [
        { label: 'Poste', cell: (p) => (iod ? h('a', { href: `#/propositions/${p.id}` }, p.job?.offer_title ?? `offre n° ${p.offer_id}`)
          : p.job?.offer_title ?? `offre n° ${p.offer_id}`) },
        { label: 'Entreprise', cell: (p) => p.job?.company_name ?? '—' },
        { label: 'Statut', cell: (p) => fr.label(fr.PROPOSAL_STATUS, p.status) },
        { label: 'Rencontre au poste', cell: (p) => (p.meeting ? fr.dateTime(p.meeting.at) : '—') },
      ], props, 'Aucune proposition pour l’instant.'),
      pls.map((pl) => h('p', {}, h('a', { href: `#/embauches/${pl.id}` },
        `Embauche en ${fr.label(fr.CONTRACTS, pl.contract)} depuis le ${fr.date(pl.start_on)} : calendrier de suivi`))))));
  if (ref) {
    const ul = h('ul', { class: 'events' });
    const state = h('p', { class: 'stream-state' }, 'Connexion au fil des événements…');
    const idx = proposalIndex(props);
    const since = Date.now() / 1000 - 5;
    let chain = Promise.resolve();
    ctx.show(h('section', { class: 'card' }, h('h2', {}, 'Ce qui lui est arrivé'), state, ul));
    follow(ctx, (ev) => {
      if (subjectOf(ev) !== c.id) return;
      chain = chain.then(async () => ul.prepend(eventItem(ev, c, await idx.of(ev, ev.at >= since))));
    }, state);
  }
  if (c.status === 'erased') return;
  const refs = iod ? await getAll('/v1/referents') : null;
  const edit = h('form', { class: 'form-grid', 'aria-label': 'Modifier le profil' },
    candidateFields(ctx, c, refs),
    h('div', { class: 'form-foot wide' }, h('button', { type: 'submit' }, 'Enregistrer les changements')));
  onSubmit(edit, async (fd) => {
    const r = await save(ctx, edit, `/v1/candidates/${c.id}`, candidateBody(ctx, fd, true), tag, () => again());
    if (r) await again(`Profil ${fr.de(`${r.first_name} ${r.last_name}`)} modifié.`);
  });
  ctx.show(h('section', { class: 'card' }, h('h2', {}, 'Modifier le profil'),
    h('details', {}, h('summary', {}, 'Modifier le profil, les métiers, la disponibilité'), edit)));
}

// The fields of a person's profile, filled from c when it is edited; refs:
// the référents to choose from (none for a référent: themselves).
function candidateFields(ctx, c, refs) {
  const k = c ? `-${c.id}` : '';
  return [
    field('Prénom', 'first_name', { required: true, maxlength: 100, autocomplete: 'off', value: c?.first_name }),
    field('Nom', 'last_name', { required: true, maxlength: 100, autocomplete: 'off', value: c?.last_name }),
    field('Date de naissance', 'birth_date', { type: 'date', required: true, value: c?.birth_date }),
    select('Sexe (pour les statistiques)', 'sex', { F: 'femme', M: 'homme' }, { required: true, value: c?.sex ?? '' }),
    communeField('Commune de résidence', 'commune', c),
    h('div', { class: 'field' }, h('span', { class: 'check' },
      h('input', { type: 'checkbox', id: 'qpv' + k, name: 'qpv', value: 'true', checked: c?.qpv }),
      h('label', { for: 'qpv' + k }, 'Réside en quartier prioritaire (QPV)'))),
    field('Quartier (QPV)', 'qpv_code', { maxlength: 120, value: c?.qpv_code }),
    select('Dispositif', 'programme', fr.PROGRAMMES, { required: true, value: c?.programme ?? 'plie' }),
    refs && select('Référent·e', 'referent_id',
      Object.fromEntries(refs.map((r) => [r.id, `${r.name} (${r.structure})`])), { empty: 'choisir…', required: true, value: c?.referent_id ?? '' }),
    field('Orienté·e le', 'oriented_on', { type: 'date', required: true, value: c?.oriented_on ?? ctx.today }),
    checks('Publics', 'publics', fr.PUBLICS, c?.publics ?? []),
    tradesField('Métiers recherchés', c),
    checks('Contrats acceptés', 'contracts', fr.CONTRACTS, c?.contracts ?? ['CDI', 'CDD']),
    field('Heures par semaine au plus', 'max_weekly_hours', { type: 'number', min: 1, max: 48, value: String(c?.max_weekly_hours ?? 35) }),
    checks('Horaires possibles', 'schedule_ok', fr.SCHEDULE, c?.schedule_ok ?? []),
    h('fieldset', { class: 'field', name: 'mobility' }, h('legend', {}, 'Mobilité'),
      h('span', { class: 'check' }, h('input', { type: 'checkbox', id: 'lic' + k, name: 'mobility.licence_b', value: 'true', checked: c?.mobility?.licence_b }), h('label', { for: 'lic' + k }, 'permis B')),
      h('span', { class: 'check' }, h('input', { type: 'checkbox', id: 'veh' + k, name: 'mobility.vehicle', value: 'true', checked: c?.mobility?.vehicle }), h('label', { for: 'veh' + k }, 'véhicule')),
      select('Peut travailler dans', 'mobility.zone', fr.ZONES, { value: c?.mobility?.zone ?? 'territory' })),
    field('Disponible le', 'available_on', { type: 'date', required: true, value: c?.available_on }),
    h('fieldset', { class: 'field', name: 'consent' }, h('legend', {}, 'Consentement'),
      field('Recueilli le', 'consent.on', { type: 'date', value: c ? c.consent?.on ?? '' : ctx.today }),
      select('Pour', 'consent.scope', { matching_followup: 'la mise en relation et le suivi', matching: 'la mise en relation seulement' },
        { value: c?.consent?.scope ?? 'matching_followup' })),
  ];
}

function candidateBody(ctx, fd, edit = false) {
  const none = edit ? null : undefined;
  const consentOn = text(fd, 'consent.on');
  return {
    first_name: text(fd, 'first_name'), last_name: text(fd, 'last_name'), birth_date: text(fd, 'birth_date'),
    sex: fd.get('sex'), commune: text(fd, 'commune'), qpv: fd.get('qpv') === 'true',
    qpv_code: text(fd, 'qpv_code') ?? none, programme: fd.get('programme'),
    referent_id: fd.has('referent_id') ? num(fd, 'referent_id') : edit ? undefined : ctx.me.referent_id,
    oriented_on: text(fd, 'oriented_on'), publics: all(fd, 'publics'),
    rome: all(fd, 'rome'),
    contracts: all(fd, 'contracts'), max_weekly_hours: num(fd, 'max_weekly_hours') ?? none,
    schedule_ok: all(fd, 'schedule_ok'),
    mobility: { licence_b: fd.get('mobility.licence_b') === 'true', vehicle: fd.get('mobility.vehicle') === 'true', zone: fd.get('mobility.zone') },
    available_on: text(fd, 'available_on'),
    consent: consentOn ? { on: consentOn, scope: fd.get('consent.scope') } : null,
  };
}

export async function create(ctx) {
  const ref = ctx.me.role === 'referent';
  const refs = ref ? null : await getAll('/v1/referents');
  const form = h('form', { class: 'card form-grid', 'aria-label': 'Orienter une personne' },
    candidateFields(ctx, null, refs),
    h('div', { class: 'form-foot wide' }, h('button', { type: 'submit' }, 'Enregistrer la personne'),
      h('a', { href: '#/candidats' }, 'Annuler')));
  onSubmit(form, async (fd) => {
    const c = await post('/v1/candidates', candidateBody(ctx, fd));
    ctx.announce(`${c.first_name} ${c.last_name} est enregistré·e.`);
    ctx.go(`#/candidats/${c.id}`);
  });
  ctx.show(...title('Orienter une personne', 'Son profil, avec son consentement. Aucun CV : seulement ce qui sert à trouver le bon poste.'), form);
}
