// team.js — the team's page (« Équipe »): each référent's caseload
// (active, proposed, in work, in follow-up, stalled) against the rule set's
// cap, and the stalled people — oriented too long ago and never proposed
// since — with why the open offers of their trades went to others, in
// French words.  What a caseload and a stall are is the API's
// (GET /v1/referents, GET /v1/candidates?stalled=true); a référent sees
// only their own people there.

import * as fr from './fr.js';
import { h, table, title } from './ui.js';
import { getAll } from './records.js';

// The engine's filters, as a reason in a few words.
const REASONS = {
  rome: 'métier', status: 'statut', consent: 'consentement', programme: 'dispositif',
  exclusive: 'déjà proposé·e', cooldown: 'refus récent', contract: 'contrat',
  hours: 'horaires', schedule: 'horaires décalés', availability: 'disponibilité',
  licence: 'permis', zone: 'zone',
};

// « zone : 4 offres, horaires : 2 », most frequent first.
export function reasonWords(stalled) {
  const rs = Object.entries(stalled?.reasons ?? {}).sort((a, b) => b[1] - a[1]);
  const words = rs.map(([f, n], i) => `${REASONS[f] ?? f} : ${n}${i === 0 ? (n > 1 ? ' offres' : ' offre') : ''}`);
  if (stalled?.ranked_below) words.push(`classé·e après une autre personne : ${stalled.ranked_below}`);
  return words.length ? words.join(', ') : 'aucune offre ouverte dans ses métiers';
}

export async function page(ctx) {
  const [refs, stalled] = await Promise.all([
    getAll('/v1/referents'),
    getAll('/v1/candidates', { stalled: true }),
  ]);
  const refName = new Map(refs.map((r) => [r.id, r.name]));
  const load = (r) => r.caseload ?? {};
  const loads = table('Charge de chaque référent·e', [
    { label: 'Référent·e', cell: (r) => h('a', { href: `#/referents/${r.id}` }, r.name) },
    { label: 'En recherche', num: true, cell: (r) => load(r).active },
    { label: 'Proposé·es', num: true, cell: (r) => load(r).proposed },
    { label: 'En emploi', num: true, cell: (r) => load(r).placed },
    { label: 'En suivi', num: true, cell: (r) => load(r).in_followup },
    { label: 'Sans proposition', num: true, cell: (r) => load(r).stalled },
    { label: 'Plafond', cell: (r) => (load(r).over_cap
      ? h('strong', { class: 'warn' }, `${load(r).active + load(r).in_followup} / ${load(r).cap} : au-dessus du plafond`)
      : `${load(r).active + load(r).in_followup} / ${load(r).cap}`) },
  ], refs, 'Aucun·e référent·e.');
  const people = table('Personnes sans proposition', [
    { label: 'Nom', cell: (c) => h('a', { href: `#/candidats/${c.id}` }, `${c.first_name} ${c.last_name}`) },
    { label: 'Référent·e', cell: (c) => refName.get(c.referent_id) ?? `n° ${c.referent_id}` },
    { label: 'En attente depuis', cell: (c) => fr.date(c.stalled.since) },
    { label: 'Jours', num: true, cell: (c) => c.stalled.days },
    { label: 'Pourquoi les offres sont allées à d’autres', cell: (c) => reasonWords(c.stalled) },
  ], stalled, 'Personne n’attend une proposition au-delà du délai de la règle.');
  ctx.show(...title('Équipe', 'La charge de chaque référent·e et les personnes qui attendent une proposition depuis trop longtemps.'),
    h('section', { class: 'card' }, h('h2', {}, 'Charges'), loads),
    h('section', { class: 'card' }, h('h2', {}, `Sans proposition (${stalled.length})`), people));
}
