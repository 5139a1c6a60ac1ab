// candidates.js — the people: a référent's own candidates (the API shows
// them no one else's) with what happened to each, live from the event
// stream; a person's page; and the form that orients a new person (their
// profile, with consent).  A chargé de mission sees the same pages for all.

import { get, post, qs, onSubmit, stream } from './api.js';
import * as fr from './fr.js';
import { h, field, select, checks, table, dl, title, all, num, text } from './ui.js';

// The person an event is about, or null.
const subjectOf = (ev) => (ev.entity === 'candidate' ? ev.id : ev.data?.candidate_id ?? null);

function eventItem(ev) {
  const d = ev.data ?? {};
  const more = [];
  if (d.due_on && ev.type.startsWith('followup.')) more.push(`prévu le ${fr.date(d.due_on)}`);
  if (d.assessment) more.push(fr.label(fr.ASSESSMENT, d.assessment));
  if (d.start_on && ev.type.startsWith('placement.')) more.push(`début le ${fr.date(d.start_on)}`);
  if (d.contract) more.push(fr.label(fr.CONTRACTS, d.contract));
  return h('li', { class: 'event' },
    h('time', { datetime: new Date(ev.at * 1000).toISOString() }, fr.stamp(ev.at)), ' ',
    h('span', {}, fr.eventLabel(ev.type)), more.length ? ` (${more.join(', ')})` : '');
}

// Follow the stream from the start; fn(ev) for each event about someone.
function follow(ctx, fn, state) {
  const stop = stream(0, (ev) => { if (subjectOf(ev) !== null) fn(ev); }, (st, e) => {
    state.textContent = st === 'live' ? 'Mises à jour en direct.'
      : st === 'retry' ? 'Connexion perdue, reprise…' : `Flux indisponible : ${e?.message ?? ''}`;
  });
  ctx.onLeave(stop);
}

export async function list(ctx) {
  const ref = ctx.me.role === 'referent';
  const r = await get('/v1/candidates?limit=1000');
  const items = r.items;
  ctx.show(...title(ref ? 'Mes candidats' : 'Candidats',
    ref ? 'Les personnes que vous avez orientées vers l’équipe IOD, et ce qui leur arrive.' : null),
  h('p', { class: 'actions' }, h('a', { class: 'button', href: '#/candidats/nouveau' }, 'Orienter une personne')));
  if (!ref) {
    ctx.show(table(`${items.length} personne${items.length > 1 ? 's' : ''}`, [
      { label: 'Nom', cell: (c) => h('a', { href: `#/candidats/${c.id}` }, `${c.first_name} ${c.last_name}`) },
      { label: 'Dispositif', cell: (c) => fr.label(fr.PROGRAMMES, c.programme) },
      { label: 'Métiers', cell: (c) => (c.rome ?? []).join(', ') },
      { label: 'Disponible le', cell: (c) => fr.date(c.available_on) },
      { label: 'Situation', cell: (c) => fr.label(fr.CANDIDATE_STATUS, c.status) },
    ], items, 'Personne pour l’instant.'));
    return;
  }
  const state = h('p', { class: 'stream-state', 'aria-live': 'off' }, 'Connexion au fil des événements…');
  const lists = new Map();
  const lastNews = new Map();
  const cards = items.map((c) => {
    const ul = h('ul', { class: 'events' });
    const news = h('p', { class: 'news' }, 'Pas encore de nouvelle.');
    lists.set(c.id, ul);
    lastNews.set(c.id, news);
    return h('li', { class: 'card person', id: `c-${c.id}` },
      h('h2', {}, h('a', { href: `#/candidats/${c.id}` }, `${c.first_name} ${c.last_name}`)),
      h('p', { class: 'sub' }, `${fr.label(fr.CANDIDATE_STATUS, c.status)} · disponible le ${fr.date(c.available_on)}`),
      news,
      h('details', {}, h('summary', {}, 'Historique'), ul));
  });
  ctx.show(state, items.length ? h('ul', { class: 'people' }, cards) : h('p', { class: 'empty' }, 'Vous n’avez orienté personne pour l’instant.'));
  const since = Date.now() / 1000 - 5;
  follow(ctx, (ev) => {
    const id = subjectOf(ev);
    const ul = lists.get(id);
    if (!ul) return;
    ul.prepend(eventItem(ev));
    lastNews.get(id).replaceChildren(h('strong', {}, 'Dernière nouvelle : '), fr.eventLabel(ev.type), ` (${fr.stamp(ev.at)})`);
    if (ev.at >= since) {
      const c = items.find((x) => x.id === id);
      ctx.announce(`${c.first_name} ${c.last_name} : ${fr.eventLabel(ev.type)}.`);
    }
  }, state);
}

export async function show(ctx, id) {
  const c = await get(`/v1/candidates/${encodeURIComponent(id)}`);
  const [props, pls, offers] = await Promise.all([
    get('/v1/proposals' + qs({ candidate_id: c.id, limit: 100 })),
    get('/v1/placements' + qs({ candidate_id: c.id, limit: 100 })).catch(() => ({ items: [] })),
    ctx.isIod() ? get('/v1/offers?limit=1000').then((r) => new Map(r.items.map((o) => [o.id, o]))) : new Map(),
  ]);
  const ref = await get(`/v1/referents/${c.referent_id}`).catch(() => null);
  ctx.show(...title(`${c.first_name} ${c.last_name}`, fr.label(fr.CANDIDATE_STATUS, c.status)));
  ctx.show(h('div', { class: 'columns' },
    h('section', { class: 'card' }, h('h2', {}, 'Profil'), dl([
      ['Née ou né le', fr.date(c.birth_date)],
      ['Commune', c.commune + (c.qpv ? ` · QPV${c.qpv_code ? ' ' + c.qpv_code : ''}` : '')],
      ['Dispositif', fr.label(fr.PROGRAMMES, c.programme)],
      ['Référent·e', ref ? `${ref.name} (${ref.structure})` : `n° ${c.referent_id}`],
      ['Orienté·e le', fr.date(c.oriented_on)],
      ['Publics', (c.publics ?? []).map((p) => fr.label(fr.PUBLICS, p)).join(', ') || 'aucun'],
      ['Métiers recherchés', (c.rome ?? []).join(', ')],
      ['Contrats acceptés', (c.contracts ?? []).map((x) => fr.label(fr.CONTRACTS, x)).join(', ') || 'tous'],
      ['Heures par semaine au plus', c.max_weekly_hours ? String(c.max_weekly_hours) : null],
      ['Horaires possibles', (c.schedule_ok ?? []).map((x) => fr.label(fr.SCHEDULE, x)).join(', ') || 'horaires de journée'],
      ['Mobilité', [c.mobility?.licence_b && 'permis B', c.mobility?.vehicle && 'véhicule',
        'jusqu’à ' + fr.label(fr.ZONES, c.mobility?.zone)].filter(Boolean).join(', ')],
      ['Disponible le', fr.date(c.available_on)],
      ['Consentement', c.consent ? `le ${fr.date(c.consent.on)} (${c.consent.scope === 'matching' ? 'mise en relation' : 'mise en relation et suivi'})` : 'non recueilli'],
    ])),
    h('section', { class: 'card' }, h('h2', {}, 'Propositions et embauches'),
      table('Propositions', [
        { label: 'N°', cell: (p) => (ctx.isIod() ? h('a', { href: `#/propositions/${p.id}` }, String(p.id)) : String(p.id)) },
        { label: 'Offre', cell: (p) => offers.get(p.offer_id)?.title ?? `offre n° ${p.offer_id}` },
        { label: 'Statut', cell: (p) => fr.label(fr.PROPOSAL_STATUS, p.status) },
        { label: 'Rendez-vous', cell: (p) => (p.meeting ? fr.dateTime(p.meeting.at) : '—') },
      ], props.items, 'Aucune proposition pour l’instant.'),
      pls.items.map((pl) => h('p', {}, h('a', { href: `#/embauches/${pl.id}` },
        `Embauche en ${fr.label(fr.CONTRACTS, pl.contract)} depuis le ${fr.date(pl.start_on)} : calendrier de suivi`))))));
  if (ctx.me.role === 'referent') {
    const ul = h('ul', { class: 'events' });
    const state = h('p', { class: 'stream-state' }, 'Connexion au fil des événements…');
    ctx.show(h('section', { class: 'card' }, h('h2', {}, 'Ce qui lui est arrivé'), state, ul));
    follow(ctx, (ev) => { if (subjectOf(ev) === c.id) ul.prepend(eventItem(ev)); }, state);
  }
}

export async function create(ctx) {
  const ref = ctx.me.role === 'referent';
  const refs = ref ? null : (await get('/v1/referents?limit=1000')).items;
  const form = h('form', { class: 'card form-grid', 'aria-label': 'Orienter une personne' },
    field('Prénom', 'first_name', { required: true, maxlength: 100, autocomplete: 'off' }),
    field('Nom', 'last_name', { required: true, maxlength: 100, autocomplete: 'off' }),
    field('Date de naissance', 'birth_date', { type: 'date', required: true }),
    select('Sexe (pour les statistiques)', 'sex', { F: 'femme', M: 'homme' }, { required: true }),
    field('Commune de résidence (code INSEE)', 'commune', { required: true, maxlength: 5, inputmode: 'numeric' }),
    h('div', { class: 'field' }, h('span', { class: 'check' },
      h('input', { type: 'checkbox', id: 'qpv', name: 'qpv', value: 'true' }),
      h('label', { for: 'qpv' }, 'Réside en quartier prioritaire (QPV)'))),
    field('Quartier (QPV)', 'qpv_code', { maxlength: 120 }),
    select('Dispositif', 'programme', fr.PROGRAMMES, { required: true, value: 'plie' }),
    !ref && select('Référent·e', 'referent_id',
      Object.fromEntries(refs.map((r) => [r.id, `${r.name} (${r.structure})`])), { empty: 'choisir…', required: true }),
    field('Orienté·e le', 'oriented_on', { type: 'date', required: true, value: ctx.today }),
    checks('Publics', 'publics', fr.PUBLICS),
    field('Métiers recherchés (codes ROME)', 'rome', { required: true, placeholder: 'K2204, K1304' }, 'Séparés par des virgules.'),
    checks('Contrats acceptés', 'contracts', fr.CONTRACTS, ['CDI', 'CDD']),
    field('Heures par semaine au plus', 'max_weekly_hours', { type: 'number', min: 1, max: 48, value: '35' }),
    checks('Horaires possibles', 'schedule_ok', fr.SCHEDULE),
    h('fieldset', { class: 'field', name: 'mobility' }, h('legend', {}, 'Mobilité'),
      h('span', { class: 'check' }, h('input', { type: 'checkbox', id: 'lic', name: 'mobility.licence_b', value: 'true' }), h('label', { for: 'lic' }, 'permis B')),
      h('span', { class: 'check' }, h('input', { type: 'checkbox', id: 'veh', name: 'mobility.vehicle', value: 'true' }), h('label', { for: 'veh' }, 'véhicule')),
      select('Peut travailler dans', 'mobility.zone', fr.ZONES, { value: 'territory' })),
    field('Disponible le', 'available_on', { type: 'date', required: true }),
    h('fieldset', { class: 'field', name: 'consent' }, h('legend', {}, 'Consentement'),
      field('Recueilli le', 'consent.on', { type: 'date', value: ctx.today }),
      select('Pour', 'consent.scope', { matching_followup: 'la mise en relation et le suivi', matching: 'la mise en relation seulement' })),
    h('div', { class: 'form-foot wide' }, h('button', { type: 'submit' }, 'Enregistrer la personne'),
      h('a', { href: '#/candidats' }, 'Annuler')));
  onSubmit(form, async (fd) => {
    const consentOn = text(fd, 'consent.on');
    const body = {
      first_name: text(fd, 'first_name'), last_name: text(fd, 'last_name'), birth_date: text(fd, 'birth_date'),
      sex: fd.get('sex'), commune: text(fd, 'commune'), qpv: fd.get('qpv') === 'true',
      qpv_code: text(fd, 'qpv_code'), programme: fd.get('programme'),
      referent_id: ref ? ctx.me.referent_id : num(fd, 'referent_id'),
      oriented_on: text(fd, 'oriented_on'), publics: all(fd, 'publics'),
      rome: (text(fd, 'rome') ?? '').split(/[\s,;]+/).filter(Boolean).map((x) => x.toUpperCase()),
      contracts: all(fd, 'contracts'), max_weekly_hours: num(fd, 'max_weekly_hours'),
      schedule_ok: all(fd, 'schedule_ok'),
      mobility: { licence_b: fd.get('mobility.licence_b') === 'true', vehicle: fd.get('mobility.vehicle') === 'true', zone: fd.get('mobility.zone') },
      available_on: text(fd, 'available_on'),
      consent: consentOn ? { on: consentOn, scope: fd.get('consent.scope') } : null,
    };
    const c = await post('/v1/candidates', body);
    ctx.announce(`${c.first_name} ${c.last_name} est enregistré·e.`);
    ctx.go(`#/candidats/${c.id}`);
  });
  ctx.show(...title('Orienter une personne', 'Son profil, avec son consentement. Aucun CV : seulement ce qui sert à trouver le bon poste.'), form);
}
