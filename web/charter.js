// charter.js — a company's Charte des 1000: the form's 19 actions in their
// six groups, declared for a charter year (already done, committed, publics
// and days a year), the form's other fields (FTE on the Métropole, the
// charter contact, the national network, other charters), the realisations
// the team records, and the year's declared against realised from
// GET /v1/reports/charter.  Everything is written with PUT /v1/companies/{id}.
// list() is the signatories (#/charte); page() a company's (#/entreprises/3/charte).

import { api, get, onSubmit, qs } from './api.js';
import * as fr from './fr.js';
import { h, field, select, table, title, text, num } from './ui.js';
import { getAll } from './records.js';

export const GROUPS = [
  ['Former et recruter inclusif', {
    recruit_durable: 'Recruter en emploi durable les personnes en insertion',
    adapted_training: 'Monter des actions de formation adaptées aux personnes éloignées de l’emploi',
    innovative_recruitment: 'Recruter par des méthodes innovantes (simulation, sans CV…)',
    job_fairs: 'Participer à des forums emplois',
    send_offers: 'Communiquer des offres d’emploi aux partenaires locaux',
    anti_discrimination: 'Sensibiliser les collaborateurs à la lutte contre les discriminations',
  }],
  ['Agir pour le développement de l’inclusion', {
    inclusion_partnerships: 'Développer des partenariats avec les acteurs de l’insertion et du handicap',
    social_clauses: 'Intégrer des clauses sociales et environnementales dans le choix des fournisseurs',
  }],
  ['Accueillir au sein de l’entreprise', {
    school_internships_qpv: 'Accueillir en stage des jeunes scolarisés des quartiers prioritaires',
    immersion: 'Accueillir des demandeurs d’emploi en période d’immersion (PMSMP)',
  }],
  ['Conseiller et partager', {
    advice_interviews: 'Réaliser des entretiens conseils',
    mock_interviews: 'Réaliser des simulations d’entretiens',
    mentoring: 'Développer le tutorat ou le parrainage',
  }],
  ['Valoriser vos métiers', {
    job_discovery_events: 'Animer des rencontres métiers',
    company_visits: 'Organiser des visites régulières d’entreprises',
  }],
  ['Contribuer au réseau', {
    employer_collective: 'Démarche collective d’employeurs sur une filière ou un bassin d’emploi',
    hr_practices: 'Actions d’amélioration des pratiques RH',
    charter_ambassador: 'Être ambassadeur de la charte auprès d’autres entreprises',
    local_network: 'S’impliquer dans le réseau local (CTIE, MMI’e, Missions Locales…)',
  }],
];
export const ACTIONS = Object.assign({}, ...GROUPS.map(([, a]) => a));
const STATUS = { signed: 'signée', renewed: 'renouvelée', lapsed: 'échue', withdrawn: 'retirée' };

// ---- the signatories ---------------------------------------------------------

export async function list(ctx) {
  const rows = (await getAll('/v1/companies')).filter((c) => c.charter);
  ctx.show(...title('Charte des 1000', 'Les entreprises signataires, leurs engagements et leurs réalisations.'),
    h('section', { class: 'card' }, table('Entreprises signataires', [
      { label: 'Entreprise', cell: (c) => h('a', { href: `#/entreprises/${c.id}/charte` }, c.name) },
      { label: 'Charte', cell: (c) => `${c.charter.name} (${fr.label(STATUS, c.charter.status)})` },
      { label: 'Engagements', cell: (c) => String((c.commitments ?? []).filter((m) => m.committed).length), num: true },
      { label: 'Réalisations', cell: (c) => String((c.realisations ?? []).length), num: true },
    ], rows, 'Aucune entreprise signataire.', { hideCaption: true })));
}

// ---- a company's charter -----------------------------------------------------

const save = (co) => api('PUT', `/v1/companies/${co.id}`, co);

// The year's declarations: one line per action, grouped as on the form.
function declareForm(ctx, co, year, reload) {
  // What holds for every year shows until the year has its own.
  const of = (y) => Object.fromEntries((co.commitments ?? []).filter((m) => (m.year ?? 0) === y).map((m) => [m.action, m]));
  const mine = { ...of(0), ...of(year) };
  const aliases = {};
  const num0 = (name, v, label, max) => h('input', {
    type: 'number', min: 0, max, name, value: v ? String(v) : '', 'aria-label': label, class: 'narrow',
  });
  const box = (name, v, label) => h('input', { type: 'checkbox', name, checked: v, 'aria-label': label });
  const form = h('form', { class: 'charter-form', 'aria-label': `Engagements ${year}` },
    GROUPS.map(([group, actions]) => h('div', { class: 'table-wrap' }, h('table', {},
      h('caption', {}, group),
      h('thead', {}, h('tr', {}, ['Action', 'Déjà réalisée', 'Engagée', 'Publics par an', 'Jours par an']
        .map((l, i) => h('th', { scope: 'col', class: i > 1 ? 'num' : null }, l)))),
      h('tbody', {}, Object.entries(actions).map(([code, label]) => {
        const m = mine[code] ?? {};
        return h('tr', { 'data-action': code },
          h('th', { scope: 'row' }, label),
          h('td', {}, box(`${code}.done_before`, m.done_before, `${label} : déjà réalisée`)),
          h('td', {}, box(`${code}.committed`, m.committed, `${label} : engagée`)),
          h('td', { class: 'num' }, num0(`${code}.publics_per_year`, m.publics_per_year, `${label} : publics par an`, 100000)),
          h('td', { class: 'num' }, num0(`${code}.days_per_year`, m.days_per_year, `${label} : jours par an`, 366)));
      }))))),
    h('div', { class: 'form-foot' }, h('button', { type: 'submit' }, `Enregistrer les engagements ${year}`)));
  onSubmit(form, async (fd) => {
    const kept = (co.commitments ?? []).filter((m) => (m.year ?? 0) !== year);
    const now = [];
    for (const code of Object.keys(ACTIONS)) {
      const m = {
        action: code, year, done_before: fd.get(`${code}.done_before`) !== null,
        committed: fd.get(`${code}.committed`) !== null,
        publics_per_year: num(fd, `${code}.publics_per_year`) ?? 0,
        days_per_year: num(fd, `${code}.days_per_year`) ?? 0,
      };
      if (!m.done_before && !m.committed && !m.publics_per_year && !m.days_per_year) continue;
      const i = kept.length + now.length;
      for (const k of ['action', 'done_before', 'committed', 'publics_per_year', 'days_per_year']) {
        aliases[`commitments[${i}].${k}`] = `${code}.${k === 'action' ? 'committed' : k}`;
      }
      now.push(m);
    }
    await save({ ...co, commitments: [...kept, ...now] });
    ctx.announce(`Engagements ${year} enregistrés : ${now.filter((m) => m.committed).length} actions engagées.`);
    await reload();
  }, aliases);
  return form;
}

// The form's other fields.
function otherForm(ctx, co, reload) {
  const ch = co.charter ?? {};
  const ct = ch.contact ?? {};
  const form = h('form', { class: 'form-grid', 'aria-label': 'La charte de l’entreprise' },
    field('ETP sur la Métropole', 'fte_metropole', { type: 'number', min: 0, value: co.fte_metropole ? String(co.fte_metropole) : '' }),
    select('Statut de la charte', 'charter.status', STATUS, { value: ch.status ?? 'signed' }),
    field('Signée le', 'charter.signed_on', { type: 'date', value: ch.signed_on ?? '' }),
    field('Contact charte : nom', 'charter.contact.name', { maxlength: 120, value: ct.name ?? '' }),
    field('Contact charte : fonction', 'charter.contact.role', { maxlength: 120, value: ct.role ?? '' }),
    field('Contact charte : téléphone', 'charter.contact.phone', { maxlength: 32, value: ct.phone ?? '' }),
    field('Contact charte : courriel', 'charter.contact.email', { type: 'email', maxlength: 254, value: ct.email ?? '' }),
    h('div', { class: 'field' }, h('label', {},
      h('input', { type: 'checkbox', name: 'charter.national_network', checked: ch.national_network }),
      ' Membre du réseau national « La France, une chance. Les entreprises s’engagent »')),
    field('Autres chartes signées', 'charter.other_charters', { tag: 'textarea', rows: 2, value: (ch.other_charters ?? []).join('\n') },
      'Une par ligne.'),
    h('div', { class: 'form-foot wide' }, h('button', { type: 'submit' }, 'Enregistrer la charte')));
  onSubmit(form, async (fd) => {
    const contact = {
      name: text(fd, 'charter.contact.name'), role: text(fd, 'charter.contact.role'),
      phone: text(fd, 'charter.contact.phone'), email: text(fd, 'charter.contact.email'),
    };
    await save({
      ...co, fte_metropole: num(fd, 'fte_metropole') ?? 0,
      charter: {
        name: ch.name ?? 'Charte des 1000', status: fd.get('charter.status'),
        signed_on: text(fd, 'charter.signed_on') ?? null,
        contact: Object.values(contact).some(Boolean) ? contact : null,
        national_network: fd.get('charter.national_network') !== null,
        other_charters: (text(fd, 'charter.other_charters') ?? '').split('\n').map((s) => s.trim()).filter(Boolean),
      },
    });
    ctx.announce('Charte enregistrée.');
    await reload();
  });
  return form;
}

// A realisation, recorded by the team.
function realiseForm(ctx, co, reload) {
  const form = h('form', { class: 'form-grid', 'aria-label': 'Nouvelle réalisation' },
    field('Date', 'on', { type: 'date', required: true, value: ctx.today, max: ctx.today }),
    select('Action', 'action', ACTIONS, { required: true, empty: 'choisir…' }),
    field('Publics touchés', 'publics', { type: 'number', min: 0, max: 100000 }),
    field('Jours', 'days', { type: 'number', min: 0, max: 366 }),
    field('Note de l’équipe', 'note', { tag: 'textarea', rows: 2, maxlength: 4000 }, 'Jamais montrée à l’entreprise.'),
    h('div', { class: 'form-foot wide' }, h('button', { type: 'submit' }, 'Enregistrer la réalisation')));
  const n = (co.realisations ?? []).length;
  onSubmit(form, async (fd) => {
    await save({
      ...co,
      realisations: [...(co.realisations ?? []), {
        on: text(fd, 'on'), action: fd.get('action'), publics: num(fd, 'publics') ?? 0,
        days: num(fd, 'days') ?? 0, note: text(fd, 'note'),
      }],
    });
    ctx.announce('Réalisation enregistrée.');
    await reload();
  }, { [`realisations[${n}].on`]: 'on', [`realisations[${n}].action`]: 'action',
    [`realisations[${n}].publics`]: 'publics', [`realisations[${n}].days`]: 'days',
    [`realisations[${n}].note`]: 'note' });
  return form;
}

// The year's declared against realised, as the charter report gives it.
async function balance(co, year) {
  const r = await get('/v1/reports/charter' + qs({ from: `${year}-01-01`, to: `${year}-12-31` }));
  const mine = r.companies.find((c) => c.company_id === co.id);
  const y = mine?.years?.[0];
  if (!y) return h('p', { class: 'empty' }, 'Rien de déclaré ni de réalisé cette année.');
  return h('div', {},
    table(`Déclaré et réalisé en ${year}`, [
      { label: 'Action', cell: (a) => fr.label(ACTIONS, a.action) },
      { label: 'Engagée', cell: (a) => (a.declared?.committed ? 'oui' : a.declared ? 'non' : '—') },
      { label: 'Publics par an', cell: (a) => String(a.declared?.publics_per_year ?? '—'), num: true },
      { label: 'Réalisations', cell: (a) => String(a.realised.recorded + a.realised.counted), num: true },
      { label: 'Publics touchés', cell: (a) => String(a.realised.publics), num: true },
      { label: 'Jours', cell: (a) => String(a.realised.days), num: true },
    ], y.actions, 'Rien de déclaré ni de réalisé cette année.'),
    h('p', { class: 'total' }, `Total des engagements : ${y.total.committed} actions, ${y.total.publics_per_year} publics et ${y.total.days_per_year} jours par an.`));
}

export async function page(ctx, id, year = Number(ctx.today.slice(0, 4))) {
  const co = await get(`/v1/companies/${encodeURIComponent(id)}`);
  const reload = async () => {
    ctx.main.replaceChildren();
    await page(ctx, id, year);
  };
  const years = {};
  for (let y = year - 3; y <= Number(ctx.today.slice(0, 4)) + 1; y++) years[y] = String(y);
  const pick = select('Année de la charte', 'year', years, { value: year });
  pick.querySelector('select').addEventListener('change', async (ev) => {
    ctx.main.replaceChildren();
    await page(ctx, id, Number(ev.target.value));
  });
  const real = [...(co.realisations ?? [])].sort((a, b) => (a.on < b.on ? 1 : -1));
  ctx.show(...title(`${co.name} · Charte des 1000`,
    co.charter ? `Charte ${fr.label(STATUS, co.charter.status)}${co.charter.signed_on ? ' le ' + fr.dayYear(co.charter.signed_on) : ''}`
      : 'L’entreprise n’a pas encore signé la charte.'),
  h('section', { class: 'card', 'aria-labelledby': 'c-bal' }, h('h2', { id: 'c-bal' }, 'Bilan de l’année'), pick, await balance(co, year)),
  h('section', { class: 'card', 'aria-labelledby': 'c-decl' }, h('h2', { id: 'c-decl' }, `Engagements ${year}`),
    declareForm(ctx, co, year, reload)),
  h('section', { class: 'card', 'aria-labelledby': 'c-real' }, h('h2', { id: 'c-real' }, 'Réalisations'),
    table('Réalisations enregistrées', [
      { label: 'Date', cell: (r) => fr.date(r.on) },
      { label: 'Action', cell: (r) => fr.label(ACTIONS, r.action) },
      { label: 'Publics', cell: (r) => String(r.publics ?? 0), num: true },
      { label: 'Jours', cell: (r) => String(r.days ?? 0), num: true },
      { label: 'Note de l’équipe', cell: (r) => r.note ?? '' },
    ], real, 'Aucune réalisation enregistrée.', { hideCaption: true }),
    h('details', {}, h('summary', {}, 'Noter une réalisation'), realiseForm(ctx, co, reload))),
  h('section', { class: 'card', 'aria-labelledby': 'c-form' }, h('h2', { id: 'c-form' }, 'La charte'),
    otherForm(ctx, co, reload)),
  h('p', {}, h('a', { href: `#/entreprises/${co.id}/journal` }, 'Journal de l’entreprise')));
}
