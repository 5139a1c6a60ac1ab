// fr.js — what the console says in French: the labels of the API's codes
// (criteria, filters, statuses, contracts, events) and dates the French
// way (24/11/2026, « mardi 24 novembre »).

// ---- labels ------------------------------------------------------------------

export const PUBLICS = {
  rsa: 'RSA', deld: 'DELD', youth: 'moins de 26 ans', senior: '50 ans et plus',
  rqth: 'RQTH', refugee: 'réfugié', justice: 'sous main de justice',
  single_parent: 'parent isolé',
};

// A score's criterion in words: "public:rsa" -> "RSA".
export function criterion(c) {
  if (c.startsWith('public:')) return PUBLICS[c.slice(7)] ?? c.slice(7);
  if (c.startsWith('favoured_public:'))
    return (PUBLICS[c.slice(16)] ?? c.slice(16)) + ' choisi par l’entreprise';
  return {
    qpv: 'QPV', waiting_time: 'attente', same_commune: 'même commune',
    same_territory: 'même territoire',
  }[c] ?? c;
}

// "RSA +30, même territoire +5, QPV +20, attente +48"
export function scoreWords(parts) {
  return (parts ?? []).map((p) => `${criterion(p.criterion)} ${p.points >= 0 ? '+' : '−'}${Math.abs(p.points)}`).join(', ');
}

export const FILTERS = {
  rome: 'autre métier (ROME)', status: 'pas en recherche (statut)',
  consent: 'sans consentement enregistré', programme: 'hors dispositif de la règle',
  exclusive: 'déjà proposé ailleurs', cooldown: 'refusé récemment par l’entreprise',
  contract: 'type de contrat non souhaité', hours: 'trop d’heures par semaine',
  schedule: 'horaires (tôt, nuit, week-end) impossibles',
  availability: 'pas disponible à temps', licence: 'sans permis B',
  zone: 'trop loin (zone de mobilité)',
};

export const PROPOSAL_STATUS = {
  proposed: 'proposée', meeting_scheduled: 'mise en relation prévue',
  hired: 'embauche', refused: 'refusée par l’entreprise',
  declined: 'déclinée par la personne', no_show: 'absence au rendez-vous',
  withdrawn: 'retirée', expired: 'expirée',
};

export const OFFER_STATUS = { open: 'ouverte', draft: 'brouillon', filled: 'pourvue', closed: 'fermée' };

export const CONTRACTS = {
  CDI: 'CDI', CDD: 'CDD', CTT: 'intérim (CTT)', PMSMP: 'immersion (PMSMP)',
  APPRENTISSAGE: 'apprentissage', PROFESSIONNALISATION: 'professionnalisation',
  CDDI: 'CDDI (insertion)', PEC: 'PEC (parcours emploi compétences)',
};

export const SCHEDULE = { early: 'tôt le matin', night: 'de nuit', weekend: 'le week-end' };
export const REQUIREMENTS = { licence_b: 'permis B', vehicle: 'véhicule' };
export const PROGRAMMES = {
  plie: 'PLIE', mission_locale: 'Mission Locale', cap_emploi: 'Cap emploi',
  france_travail: 'France Travail', siae: 'SIAE', other: 'autre',
};
export const CANDIDATE_STATUS = {
  active: 'en recherche', on_hold: 'en pause', placed: 'en emploi',
  exited: 'sorti du dispositif', erased: 'effacé',
};
export const ZONES = { commune: 'sa commune', territory: 'son territoire', metropole: 'toute la Métropole' };

export const FU_KIND = {
  employer: 'employeur', employee: 'salarié', both: 'employeur et salarié',
  joint_review: 'bilan avec le référent',
};
export const FU_STATUS = { planned: 'prévu', done: 'fait', missed: 'manqué', cancelled: 'annulé' };
export const ASSESSMENT = { fine: 'tout va bien', at_risk: 'à risque', rupture: 'rupture' };

export const EVENTS = {
  'candidate.created': 'profil créé',
  'candidate.updated': 'profil mis à jour',
  'candidate.erased': 'données effacées',
  'proposal.created': 'proposé(e) pour une offre',
  'proposal.meeting_scheduled': 'mise en relation prévue au poste de travail',
  'proposal.hired': 'embauché(e)',
  'proposal.refused': 'non retenu(e) par l’entreprise',
  'proposal.declined': 'a décliné l’offre',
  'proposal.no_show': 'absent(e) au rendez-vous',
  'proposal.withdrawn': 'proposition retirée',
  'proposal.expired': 'proposition expirée sans réponse',
  'placement.created': 'contrat commencé, suivi planifié',
  'placement.ended': 'fin du contrat',
  'followup.done': 'entretien de suivi fait',
  'followup.missed': 'entretien de suivi manqué',
  'followup.cancelled': 'entretien de suivi annulé',
  'followup.due_tomorrow': 'entretien de suivi demain',
  'followup.overdue': 'entretien de suivi en retard',
  'offer.created': 'offre créée',
  'offer.updated': 'offre mise à jour',
};
export const eventLabel = (t) => EVENTS[t] ?? t;

export const label = (table, code) => table[code] ?? code ?? '—';

// ---- dates ---------------------------------------------------------------------

// A 'YYYY-MM-DD' as a Date at noon UTC (no time zone can move its day).
export function parseDay(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s ?? '');
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], 12)) : null;
}
export function isoDay(d) { return d.toISOString().slice(0, 10); }
export function addDays(s, n) { const d = parseDay(s); d.setUTCDate(d.getUTCDate() + n); return isoDay(d); }
// The Monday of the week of day s.
export function monday(s) { const d = parseDay(s); return addDays(s, -((d.getUTCDay() + 6) % 7)); }

const fmtShort = new Intl.DateTimeFormat('fr-FR', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' });
const fmtLong = new Intl.DateTimeFormat('fr-FR', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });
const fmtLongY = new Intl.DateTimeFormat('fr-FR', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const fmtMonth = new Intl.DateTimeFormat('fr-FR', { month: 'long', year: 'numeric', timeZone: 'UTC' });

// '2026-11-24' -> '24/11/2026'
export function date(s) { const d = parseDay(s); return d ? fmtShort.format(d) : '—'; }
// '2026-11-24' -> 'mardi 24 novembre'
export function day(s) { const d = parseDay(s); return d ? fmtLong.format(d) : '—'; }
// '2026-11-24' -> 'mardi 24 novembre 2026'
export function dayYear(s) { const d = parseDay(s); return d ? fmtLongY.format(d) : '—'; }
export function month(s) { const d = parseDay(s); return d ? fmtMonth.format(d) : '—'; }
// '2026-12-02T10:00' -> 'mercredi 2 décembre 2026 à 10h00'
export function dateTime(s) {
  if (!s) return '—';
  return `${dayYear(s)} à ${s.slice(11, 13)}h${s.slice(14, 16)}`;
}
// Seconds since the epoch -> '24/11/2026 14:05' (an event's time).
export function stamp(t) {
  return new Intl.DateTimeFormat('fr-FR', { dateStyle: 'short', timeStyle: 'short' }).format(new Date(t * 1000));
}
