// batch.js — the assignment of every open offer at once: a dry run shown
// as a table (who would go where, with what score), then, if it suits, the
// same assignment recorded as proposals.

import { post, get, onSubmit } from './api.js';
import { h, table, dl, title } from './ui.js';

export async function render(ctx) {
  const out = h('div', { class: 'results', 'aria-live': 'polite' });
  const form = h('form', { class: 'card inline' },
    h('button', { type: 'submit', name: 'dry' }, 'Simuler l’affectation'),
    h('div', { class: 'form-foot' }));
  ctx.show(...title('Affectation de toutes les offres ouvertes',
    'La meilleure affectation d’ensemble : une personne par offre, une offre par personne, le plus grand total de points. La simulation n’enregistre rien.'),
  form, out);

  async function show(r) {
    const [offers, cands] = await Promise.all([
      Promise.all(r.assignments.map((a) => get(`/v1/offers/${a.offer_id}`).catch(() => null)))
        .then((xs) => new Map(xs.filter(Boolean).map((o) => [o.id, o]))),
      Promise.all(r.assignments.map((a) => get(`/v1/candidates/${a.candidate_id}`).catch(() => null)))
        .then((xs) => new Map(xs.filter(Boolean).map((c) => [c.id, c]))),
    ]);
    const cols = [
      { label: 'Offre', cell: (a) => h('a', { href: `#/offres/${a.offer_id}` }, offers.get(a.offer_id)?.title ?? `n° ${a.offer_id}`) },
      { label: 'Personne', cell: (a) => { const c = cands.get(a.candidate_id); return c ? `${c.first_name} ${c.last_name}` : `n° ${a.candidate_id}`; } },
      { label: 'Score', cell: (a) => String(a.score), num: true },
      { label: 'Éligibles', cell: (a) => String(a.eligible), num: true },
      !r.dry_run && { label: 'Proposition', cell: (a) => h('a', { href: `#/propositions/${a.proposal_id}` }, `n° ${a.proposal_id}`) },
    ].filter(Boolean);
    const parts = [
      h('h2', {}, r.dry_run ? 'Simulation' : 'Propositions enregistrées'),
      dl([
        ['Offres ouvertes sans proposition', String(r.offers)],
        ['Personnes éligibles à au moins une', String(r.candidates)],
        ['Couples possibles', String(r.edges)],
        ['Offres pourvues d’une proposition', String(r.assigned)],
        ['Total des points', String(r.objective)],
      ]),
      table(r.dry_run ? 'Affectation proposée' : 'Affectation enregistrée', cols, r.assignments,
        'Aucune offre ouverte ne trouve de personne éligible.'),
    ];
    if (r.dry_run && r.assignments.length) {
      const commit = h('form', { class: 'inline' },
        h('button', { type: 'submit' }, `Enregistrer ces ${r.assignments.length} propositions`),
        h('div', { class: 'form-foot' }));
      onSubmit(commit, async () => {
        const done = await post('/v1/match:batch', { dry_run: false });
        ctx.announce(`${done.assigned} propositions enregistrées.`);
        await show(done);
      });
      parts.push(commit);
    }
    out.replaceChildren(h('section', { class: 'card' }, parts));
  }

  onSubmit(form, async () => {
    const r = await post('/v1/match:batch', { dry_run: true });
    await show(r);
    ctx.announce(`Simulation : ${r.assigned} offre(s) sur ${r.offers} trouvent une personne.`);
  });
}
