// report.js — the activity report over a period, as the IOD table of the
// PLIE's annual report: its lines in its order, with the figures and
// percentages as the report prints them (the same as the CSV), a bar chart
// of them (inline SVG drawn here), the follow-up and retention, the meetings
// with companies, the breakdowns, the CSV to download, and a page that
// prints as the table (style.css, @media print).

import { get, getBlob, qs, onSubmit } from './api.js';
import * as fr from './fr.js';
import { h, field, select, table, title, text } from './ui.js';

// The IOD table's lines in the annual report's order: label, short label
// for the chart, where the figure is, whether a percentage of the people
// followed goes beside it.  The CSV (daemon/api-reports.c) has the same.
const IOD = [
  ['Orientations', 'Orientations', 'table', 'orientations'],
  ['Personnes suivies', 'Personnes suivies', 'table', 'people_followed'],
  ['Personnes ayant passé au moins 1 entretien', 'Au moins 1 entretien', 'table', 'people_with_meeting', true],
  ['Nouvelles entreprises rencontrées', 'Entreprises rencontrées', 'table', 'companies_met'],
  ['Rendez-vous en entreprises', 'Rendez-vous entreprises', 'table', 'company_meetings'],
  ['Mises en relation en présence d’un chargé de mission', 'Mises en relation', 'table', 'mises_en_relation'],
  ['Personnes ayant accédé à un emploi', 'Accès à l’emploi', 'people_in_employment', 'total', true],
  ['dont emploi durable (CDD ≥ 6 mois, CDI)', '… emploi durable', 'people_in_employment', 'durable', true],
  ['dont emploi transitoire (CDD < 6 mois, PMSMP)', '… emploi transitoire', 'people_in_employment', 'transitional', true],
  ['Personnes en formation qualifiante', 'Formation qualifiante', 'table', 'qualifying_training', true],
];
// n of `of` rounded to a unit, as the report prints it: "63 %".
const unitPct = (n, of) => (typeof n === 'number' && of > 0 ? `${Math.floor((n * 100 + Math.floor(of / 2)) / of)} %` : '');
const FOLLOWUP = {
  planned: 'Entretiens de suivi prévus', done: 'Entretiens faits', missed: 'Entretiens manqués',
  trial_ended: 'Périodes d’essai terminées', in_post_end_of_trial: 'En poste à la fin de l’essai',
  retention_trial: 'Maintien à la fin de l’essai (%)', six_months_reached: 'Embauches arrivées à 6 mois',
  in_post_6_months: 'En poste à 6 mois', retention_6_months: 'Maintien à 6 mois (%)',
};
const MEETINGS = { workstation_visits: 'Visites de poste des offres', employer_followups: 'Suivis avec l’employeur' };
const JOURNAL = {
  prospection: 'Prospection', presentation: 'Présentation de la méthode', negotiation: 'Négociation d’une offre',
  workstation_visit: 'Visites de poste (journal)', recruitment: 'Rencontres de recrutement',
  employer_followup: 'Suivis avec l’employeur (journal)',
};
const GROUPS = {
  sex: 'Par sexe', qpv: 'Par résidence en QPV', programme: 'Par dispositif',
  public: 'Par public', territory: 'Par territoire',
};
const CATEGORY = {
  sex: { F: 'femmes', M: 'hommes' },
  qpv: { qpv: 'résident·es QPV', not_qpv: 'hors QPV' },
  programme: fr.PROGRAMMES,
  public: fr.PUBLICS,
  territory: { unknown: 'inconnu' },
};

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}, text = null) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== null) el.textContent = text;
  return el;
}

// Horizontal bars, one per [label, value]; scales to its box.
export function barChart(caption, rows) {
  const lw = 200; const bw = 260; const rh = 26; const pad = 6;
  const max = Math.max(1, ...rows.map(([, v]) => (typeof v === 'number' ? v : 0)));
  const height = rows.length * rh + 2 * pad;
  const svg = s('svg', {
    viewBox: `0 0 ${lw + bw + 50} ${height}`, width: lw + bw + 50, height, class: 'chart', role: 'img', 'aria-labelledby': 'chart-t',
  });
  svg.append(s('title', { id: 'chart-t' }, caption));
  rows.forEach(([label, v], i) => {
    const y = pad + i * rh;
    const n = typeof v === 'number' ? v : 0;
    const w = Math.round((n / max) * bw);
    svg.append(s('text', { x: lw - 8, y: y + rh / 2 + 5, 'text-anchor': 'end', class: 'chart-label' }, label));
    svg.append(s('rect', { x: lw, y: y + 5, width: Math.max(w, 1), height: rh - 10, rx: 3, class: 'chart-bar' }));
    svg.append(s('text', { x: lw + Math.max(w, 1) + 6, y: y + rh / 2 + 5, class: 'chart-value' }, String(v ?? '—')));
  });
  return svg;
}

const pct = (v) => (v === null || v === undefined ? '—' : `${String(v).replace('.', ',')} %`);
const val = (v) => (v === null || v === undefined ? '—' : typeof v === 'number' ? String(v).replace('.', ',') : String(v));

export async function render(ctx) {
  const year = ctx.today.slice(0, 4);
  const out = h('div', { class: 'results', 'aria-live': 'polite' });
  const form = h('form', { class: 'filters card', 'aria-label': 'Période du bilan' },
    field('Du', 'from', { type: 'date', required: true, value: `${year}-01-01` }),
    field('Au', 'to', { type: 'date', required: true, value: ctx.today }),
    select('Dispositif', 'programme', fr.PROGRAMMES, { empty: 'tous' }),
    h('div', { class: 'form-foot' }, h('button', { type: 'submit' }, 'Afficher le bilan')));
  ctx.show(...title('Bilan d’activité', 'Le tableau IOD sur une période, par date des faits.'), form, out);

  async function load(fd) {
    const q = { from: text(fd, 'from'), to: text(fd, 'to'), programme: text(fd, 'programme') };
    const r = await get('/v1/reports/activity' + qs(q));
    const csv = await getBlob('/v1/reports/activity' + qs({ ...q, format: 'csv' }));
    const href = URL.createObjectURL(csv);
    ctx.onLeave(() => URL.revokeObjectURL(href));
    const followed = r.table?.people_followed ?? 0;
    const rows = IOD.map(([label, short, obj, key, withPct]) => {
      const n = r[obj]?.[key];
      return [label, n, withPct ? unitPct(n, followed) : '', short];
    });
    const period = `Du ${fr.date(r.from)} au ${fr.date(r.to)}${r.programme ? ' · ' + fr.label(fr.PROGRAMMES, r.programme) : ''}.`;
    const parts = [
      h('p', { class: 'actions no-print' }, `${period} `,
        h('a', { class: 'button secondary', href, download: `bilan-iod-${r.from}-${r.to}.csv` }, 'Télécharger le bilan en CSV'),
        h('button', { type: 'button', class: 'secondary', onclick: () => window.print() }, 'Imprimer le tableau')),
      h('p', { class: 'print-only' }, `Bilan d’activité IOD. ${period}`),
      h('div', { class: 'columns' },
        h('section', { class: 'card iod-table' }, h('h2', {}, 'Le tableau IOD'),
          table('Indicateurs de la période', [
            { label: 'Indicateur', cell: (x) => x[0] },
            { label: 'Nombre', cell: (x) => val(x[1]), num: true },
            { label: '% des personnes suivies', cell: (x) => x[2], num: true },
          ], rows, '', { hideCaption: true })),
        h('section', { class: 'card no-print' }, h('h2', {}, 'En un coup d’œil'),
          barChart('Indicateurs IOD de la période', rows.map((x) => [x[3], x[1]])))),
    ];
    const fu = r.followup ?? {};
    const mt = { ...(r.company_meetings ?? {}) };
    for (const [k, v] of Object.entries(r.journal ?? {})) mt['journal.' + k] = v;
    parts.push(h('div', { class: 'columns' },
      h('section', { class: 'card' }, h('h2', {}, 'Suivi et maintien dans l’emploi'),
        table('Suivi', [
          { label: 'Indicateur', cell: (k) => FOLLOWUP[k] ?? k },
          { label: 'Valeur', cell: (k) => (k.startsWith('retention') ? pct(fu[k]) : val(fu[k])), num: true },
        ], Object.keys(fu), '', { hideCaption: true })),
      h('section', { class: 'card' }, h('h2', {}, 'Rencontres avec les entreprises'),
        table('Rencontres', [
          { label: 'Type', cell: (k) => MEETINGS[k] ?? JOURNAL[k.replace(/^journal\./, '')] ?? k },
          { label: 'Nombre', cell: (k) => val(mt[k]), num: true },
        ], Object.keys(mt), '', { hideCaption: true }))));
    const bd = r.breakdowns ?? {};
    const groups = Object.keys(bd).map((g) => h('section', { class: 'card' }, h('h2', {}, GROUPS[g] ?? g),
      table(GROUPS[g] ?? g, [
        { label: 'Catégorie', cell: (k) => CATEGORY[g]?.[k] ?? k },
        { label: 'Vivier', cell: (k) => val(bd[g][k].pool), num: true },
        { label: 'Proposées', cell: (k) => val(bd[g][k].proposed), num: true },
        { label: 'Embauchées', cell: (k) => val(bd[g][k].hired), num: true },
      ], Object.keys(bd[g]), '', { hideCaption: true })));
    if (groups.length) {
      parts.push(h('h2', {}, 'Répartitions'),
        h('p', { class: 'sub' }, 'Les effectifs de moins de 5 personnes sont masqués (« <5 »).'),
        h('div', { class: 'columns' }, groups));
    }
    out.replaceChildren(...parts);
  }
  onSubmit(form, load);
  await load(new FormData(form));
}
