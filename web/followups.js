// followups.js — the follow-up after a hire: the week of everyone's
// appointments (overdue ones marked and listed first), where an appointment
// is recorded in two clicks (« Fait » then how it went, on the day it took
// place: today unless changed), a placement's page with its contract and
// its whole calendar, and the signed-in person's private calendar link
// (an address to subscribe to from a calendar application).

import { get, post, del, onSubmit } from './api.js';
import { getAll } from './records.js';
import * as fr from './fr.js';
import { h, field, table, dl, title, text } from './ui.js';

// First names and offers, read once per page.
function names() {
  const cands = new Map();
  const offers = new Map();
  return {
    async cand(id) {
      if (!cands.has(id)) cands.set(id, get(`/v1/candidates/${id}`).then((c) => c.first_name + ' ' + c.last_name).catch(() => `personne n° ${id}`));
      return cands.get(id);
    },
    async offer(id) {
      if (!offers.has(id)) offers.set(id, get(`/v1/offers/${id}`).catch(() => null));
      return offers.get(id);
    },
  };
}

// The buttons that record an appointment: « Fait » opens the three
// assessments, one more click records it (a note may go with it).
function recorder(ctx, f, done) {
  const box = h('div', { class: 'record' });
  if (f.status !== 'planned') return box;
  const note = field('Note (facultatif)', 'note', { tag: 'textarea', rows: 2, maxlength: 2000 });
  const form = h('form', { class: 'assess', hidden: true, 'aria-label': 'Comment cela s’est passé' },
    h('p', { class: 'q' }, 'Comment cela s’est-il passé ?'),
    h('div', { class: 'buttons' },
      h('button', { type: 'submit', name: 'assessment', value: 'fine', class: 'ok' }, 'Tout va bien'),
      h('button', { type: 'submit', name: 'assessment', value: 'at_risk', class: 'risk' }, 'À risque'),
      h('button', { type: 'submit', name: 'assessment', value: 'rupture', class: 'bad' }, 'Rupture')),
    field('Date de l’entretien', 'on', { type: 'date', value: ctx.today, max: ctx.today, required: true }),
    note, h('div', { class: 'form-foot' }));
  onSubmit(form, async (fd, btn) => {
    const on = text(fd, 'on');
    await post(`/v1/followups/${f.id}/done`, { assessment: btn.value, note: text(fd, 'note'), on });
    await done(`Entretien n° ${f.id} enregistré : ${fr.ASSESSMENT[btn.value]}, le ${fr.date(on)}.`);
  });
  const more = h('form', { class: 'inline' },
    h('button', { type: 'button', class: 'primary', 'aria-expanded': 'false', onclick: (ev) => {
      form.hidden = !form.hidden;
      ev.currentTarget.setAttribute('aria-expanded', String(!form.hidden));
      if (!form.hidden) form.querySelector('button').focus();
    } }, 'Fait'),
    f.due_on <= ctx.today && h('button', { type: 'submit', name: 'missed', class: 'secondary' }, 'Manqué'),
    f.due_on <= ctx.today && field('Manqué le', 'on', { type: 'date', value: ctx.today, max: ctx.today }),
    h('button', { type: 'submit', name: 'cancel', class: 'secondary' }, 'Annuler'),
    h('div', { class: 'form-foot' }));
  onSubmit(more, async (fd, btn) => {
    const on = btn.name === 'missed' ? text(fd, 'on') : null;
    await post(`/v1/followups/${f.id}/${btn.name}`, on ? { on } : undefined);
    await done(`Entretien n° ${f.id} : ${btn.name === 'missed' ? `manqué le ${fr.date(on ?? ctx.today)}` : 'annulé'}.`);
  });
  box.append(more, form);
  return box;
}

async function card(ctx, n, f, done, showDate) {
  const [who, o] = await Promise.all([n.cand(f.candidate_id), n.offer(f.offer_id)]);
  return h('li', { class: `appt ${f.status}${f.overdue ? ' overdue' : ''}` },
    h('p', { class: 'when' }, showDate ? fr.date(f.due_on) + ' · ' : '', fr.label(fr.FU_KIND, f.kind),
      f.overdue ? h('strong', { class: 'tag overdue' }, ' en retard') : ''),
    h('p', { class: 'who' }, h('a', { href: `#/embauches/${f.placement_id}` }, who)),
    o && h('p', { class: 'what' }, o.title),
    f.status !== 'planned' && h('p', { class: 'state' }, fr.label(fr.FU_STATUS, f.status),
      f.done_on ? ` le ${fr.date(f.done_on)}` : '', f.missed_on ? ` le ${fr.date(f.missed_on)}` : '',
      f.assessment ? ` — ${fr.label(fr.ASSESSMENT, f.assessment)}` : ''),
    recorder(ctx, f, done));
}

export async function week(ctx, start) {
  const from = fr.monday(start && fr.parseDay(start) ? start : ctx.today);
  const to = fr.addDays(from, 7);
  const mine = sessionStorage.getItem('iod.mine') === '1';
  const owner = mine ? ctx.me.subject : undefined;
  // Every page of each (next_cursor followed): a busy week is never cut.
  const [wk, late] = (await Promise.all([
    getAll('/v1/followups', { due_from: from, due_before: to, owner }),
    getAll('/v1/followups', { overdue: 'true', due_before: from, owner }),
  ])).map((items) => ({ items }));
  const n = names();
  const done = async (msg) => { ctx.announce(msg); ctx.main.replaceChildren(); await week(ctx, from); };

  const toggle = h('input', { type: 'checkbox', id: 'mine', checked: mine, onchange: async (ev) => {
    sessionStorage.setItem('iod.mine', ev.target.checked ? '1' : '0');
    ctx.main.replaceChildren();
    await week(ctx, from);
  } });
  ctx.show(...title(`Suivi : semaine du ${fr.day(from)}`,
    'Les entretiens de suivi de tout le monde, employeur et salarié séparément, puis le bilan avec le référent.'),
  h('div', { class: 'weeknav' },
    h('a', { class: 'button secondary', href: `#/suivi/${fr.addDays(from, -7)}`, 'aria-label': 'Semaine précédente' }, '← Précédente'),
    h('a', { class: 'button secondary', href: `#/suivi/${fr.monday(ctx.today)}` }, 'Cette semaine'),
    h('a', { class: 'button secondary', href: `#/suivi/${to}`, 'aria-label': 'Semaine suivante' }, 'Suivante →'),
    h('span', { class: 'check' }, toggle, h('label', { for: 'mine' }, 'Seulement mes entretiens'))));

  if (late.items.length) {
    ctx.show(h('section', { class: 'card late', 'aria-labelledby': 'w-late' },
      h('h2', { id: 'w-late' }, `En retard (${late.items.length})`),
      h('ul', { class: 'appts' }, await Promise.all(late.items.map((f) => card(ctx, n, f, done, true))))));
  }
  const days = h('div', { class: 'week' });
  for (let i = 0; i < 7; i++) {
    const d = fr.addDays(from, i);
    const items = wk.items.filter((f) => f.due_on === d);
    days.append(h('section', { class: `day${d === ctx.today ? ' today' : ''}`, 'aria-label': fr.day(d) },
      h('h2', {}, fr.day(d), d === ctx.today ? h('span', { class: 'tag' }, ' aujourd’hui') : ''),
      items.length ? h('ul', { class: 'appts' }, await Promise.all(items.map((f) => card(ctx, n, f, done, false))))
        : h('p', { class: 'empty' }, 'Aucun entretien.')));
  }
  ctx.show(days);
  const cal = await calendarLink(ctx);
  if (cal) ctx.show(cal);
}

// ---- the private calendar link ----------------------------------------------

// The signed-in person's calendar links: whose calendar a new one is (a
// chargé de mission's own, a référent's), or null if they have none.
function calendarOwner(me) {
  if (me?.role === 'referent' && me.referent_id) return { referent_id: me.referent_id };
  if (me?.role === 'iod' && me.subject) return { owner: me.subject };
  return null;
}

// « Mon agenda » : the address a calendar application subscribes to
// (Thunderbird, Google Agenda, Outlook, Apple Calendrier), shown with a
// copy button once, when it is made (only its fingerprint is kept), and
// each link with a revoke button.  A section, or null for a person with
// no calendar of their own.
export async function calendarLink(ctx) {
  const whose = calendarOwner(ctx.me);
  if (!whose) return null;
  const box = h('section', { class: 'card calendar', 'aria-labelledby': 'cal-h' });
  const render = async (fresh) => {
    const { items } = await get('/v1/calendars');
    const mine = items.filter((c) => (whose.owner ? c.owner === whose.owner : c.referent_id === whose.referent_id));
    const make = h('form', { class: 'inline' },
      h('button', { type: 'submit', class: mine.length ? 'secondary' : 'primary' },
        mine.length ? 'Créer un nouveau lien' : 'Créer mon lien d’abonnement'),
      h('div', { class: 'form-foot' }));
    onSubmit(make, async () => {
      const c = await post('/v1/calendars', whose);
      ctx.announce('Lien d’abonnement créé : copiez-le maintenant.');
      await render(c);
    });
    let shown = null;
    if (fresh) {
      const url = new URL(fresh.url, location.origin).href;
      const input = h('input', { type: 'text', readonly: true, value: url, id: 'cal-url', class: 'url', size: 60, spellcheck: 'false' });
      const copy = h('button', { type: 'button', class: 'primary', onclick: async () => {
        try {
          await navigator.clipboard.writeText(url);
        } catch {
          input.select();
          document.execCommand('copy');
        }
        ctx.announce('Lien copié.');
      } }, 'Copier le lien');
      shown = h('div', { class: 'field' },
        h('label', { for: 'cal-url' }, 'Adresse à ajouter dans votre agenda'),
        h('div', { class: 'inline' }, input, copy),
        h('small', {}, 'Copiez-la maintenant : pour votre sécurité, elle ne sera plus affichée. Quiconque la connaît voit vos rendez-vous ; révoquez-la si elle a circulé.'));
    }
    const rows = mine.map((c) => {
      const revoke = h('button', { type: 'button', class: 'secondary', onclick: async () => {
        if (!confirm('Révoquer ce lien ? Les agendas abonnés ne recevront plus vos rendez-vous.')) return;
        await del(`/v1/calendars/${c.id}`);
        ctx.announce('Lien révoqué.');
        await render(null);
      } }, 'Révoquer');
      return h('li', {}, `Lien n° ${c.id}, créé le ${fr.date(new Date(c.created_at * 1000).toISOString().slice(0, 10))}`,
        fresh && fresh.id === c.id ? ' (celui affiché ci-dessus)' : '', ' ', revoke);
    });
    box.replaceChildren(...[
      h('h2', { id: 'cal-h' }, 'Mon agenda'),
      h('p', {}, 'Vos entretiens de suivi et les rencontres au poste, dans votre application d’agenda, à jour d’elle-même, en lecture seule.'),
      shown,
      rows.length ? h('ul', { class: 'links' }, rows) : h('p', { class: 'empty' }, 'Aucun lien pour l’instant.'),
      make].filter(Boolean));
  };
  await render(null);
  return box;
}

// ---- a placement ------------------------------------------------------------

export async function placement(ctx, id) {
  const pl = await get(`/v1/placements/${encodeURIComponent(id)}`);
  const iod = ctx.isIod();
  const o = await get(`/v1/offers/${pl.offer_id}`).catch(() => null);
  const c = await get(`/v1/candidates/${pl.candidate_id}`).catch(() => null);
  const who = c ? `${c.first_name} ${c.last_name}` : `personne n° ${pl.candidate_id}`;
  const reload = async (msg) => { ctx.announce(msg); ctx.main.replaceChildren(); await placement(ctx, id); };

  ctx.show(...title(`Embauche de ${who}`, o ? o.title : null));
  ctx.show(h('section', { class: 'card', 'aria-labelledby': 'pl-c' },
    h('h2', { id: 'pl-c' }, 'Le contrat'),
    dl([
      ['Contrat', fr.label(fr.CONTRACTS, pl.contract) + (pl.duration_months ? `, ${pl.duration_months} mois` : '')],
      ['Emploi durable', pl.durable ? 'oui' : 'non (transition)'],
      ['Début', fr.date(pl.start_on)],
      ['Fin de la période d’essai', pl.trial_end ? fr.date(pl.trial_end) : 'pas de période d’essai'],
      ['Fin du contrat', pl.contract_end ? fr.date(pl.contract_end) : null],
      ['Suivi jusqu’au', fr.date(pl.horizon)],
      ['Heures par semaine', pl.weekly_hours ? String(pl.weekly_hours) : null],
      ['État', pl.status === 'ended' ? `terminé le ${fr.date(pl.ended_on)} (${pl.end_reason ?? ''})` : 'en cours'],
      ['Proposition', h('a', { href: `#/propositions/${pl.proposal_id}` }, `n° ${pl.proposal_id}`)],
    ])));

  const sched = pl.schedule ?? [];
  const rows = [];
  let last = '';
  for (const f of sched) {
    const m = f.due_on.slice(0, 7);
    rows.push({ f, month: m !== last ? fr.month(f.due_on) : '' });
    last = m;
  }
  ctx.show(h('section', { class: 'card', 'aria-labelledby': 'pl-s' },
    h('h2', { id: 'pl-s' }, `Calendrier de suivi (${sched.length} entretiens)`),
    table('Calendrier de suivi', [
      { label: 'Date', cell: (r) => [r.month && h('span', { class: 'month' }, r.month + ' · '), fr.day(r.f.due_on)] },
      { label: 'Avec', cell: (r) => fr.label(fr.FU_KIND, r.f.kind) },
      { label: 'État', cell: (r) => [fr.label(fr.FU_STATUS, r.f.status),
        r.f.overdue ? h('strong', { class: 'tag overdue' }, ' en retard') : '',
        r.f.assessment ? ` — ${fr.label(fr.ASSESSMENT, r.f.assessment)}` : '',
        r.f.note ? h('span', { class: 'note' }, ` « ${r.f.note} »`) : ''] },
      iod && { label: 'Enregistrer', cell: (r) => recorder(ctx, r.f, reload) },
    ].filter(Boolean), rows, 'Aucun entretien prévu.', { hideCaption: true })));

  if (iod && pl.status !== 'ended') {
    const form = h('form', { class: 'card action' },
      h('h3', {}, 'Fin anticipée du contrat'),
      field('Dernier jour', 'on', { type: 'date', required: true }),
      field('Motif', 'reason', { tag: 'textarea', rows: 2, maxlength: 1000, required: true }),
      h('div', { class: 'form-foot' }, h('button', { type: 'submit', class: 'secondary' }, 'Enregistrer la fin du contrat')));
    onSubmit(form, async (fd) => {
      await post(`/v1/placements/${pl.id}/end`, { on: text(fd, 'on'), reason: text(fd, 'reason') });
      await reload('Fin du contrat enregistrée ; les entretiens restants sont annulés.');
    });
    ctx.show(h('details', { class: 'end' }, h('summary', {}, 'Le contrat s’arrête avant son terme ?'), form));
  }
}
