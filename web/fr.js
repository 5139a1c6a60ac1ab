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
    same_territory: 'même territoire', expressed_interest: 'intérêt exprimé',
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
  company_cap: 'entreprise déjà beaucoup sollicitée',
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
  'candidate.stalled': 'sans proposition depuis trop longtemps',
  'referent.over_cap': 'charge au-dessus du plafond',
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
  'interest.created': 'intérêt exprimé pour une offre (positionnement)',
  'interest.deleted': 'intérêt pour une offre retiré',
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

// ---- names -----------------------------------------------------------------------

// The conférences territoriales des maires of the Métropole de Lyon, as the
// API names them in `territory` (data/metropole-lyon-territories.csv).
export const TERRITORIES = [
  'Les Portes du Sud', 'Lyon', 'Lônes et Coteaux du Rhône', 'Ouest Nord', 'Plateau Nord',
  'Porte des Alpes', 'Rhône Amont', "Val d'Yzeron", 'Val de Saône', 'Villeurbanne',
];

// A commune by its name when the reply carries it: « Lyon 8e Arrondissement
// (Lyon) », else its code.
export function commune(rec, withTerritory = false) {
  if (!rec?.commune) return '—';
  const name = rec.commune_name ?? rec.commune;
  return withTerritory && rec.territory && rec.territory !== name ? `${name} (${rec.territory})` : name;
}
// A trade by its label: « K2204 · Nettoyage de locaux ».
export function rome(code, lbl) {
  if (!code) return '—';
  return lbl ? `${lbl} (${code})` : code;
}
// A candidate's trades, labelled where the reply has rome_labels.
export function romes(c) {
  return (c.rome ?? []).map((r, i) => rome(r, c.rome_labels?.[i])).join(', ');
}

// The rule sets' descriptions in French, by name; another rule set shows
// the description its author wrote.
export const RULESETS = {
  'iod-plie': 'Méthode IOD pour les participants du PLIE dans la Métropole de Lyon : une personne par offre, sans CV, la visite du poste d’abord, un suivi chaque semaine puis chaque mois.',
  'mission-locale': 'Méthode IOD pour les jeunes suivis par une Mission Locale dans la Métropole de Lyon ; les contrats en alternance comptent comme emplois durables.',
};
export const rulesetText = (rs) => RULESETS[rs?.name] ?? rs?.description ?? '';

// '2026-12-02T10:00' -> '2 décembre à 10 h' ('10 h 30' with minutes).
export function meetingWhen(s) {
  const d = parseDay(s);
  if (!d) return '';
  const dm = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'long', timeZone: 'UTC' }).format(d);
  const hh = String(Number(s.slice(11, 13)));
  const mm = s.slice(14, 16);
  return s.length >= 16 ? `${dm} à ${hh} h${mm && mm !== '00' ? ' ' + mm : ''}` : dm;
}

// ---- what happened, in a sentence ------------------------------------------------

// « de Karim », « d’Amina ».
export const de = (name) => (/^[aeiouyhâàéèêîôû]/i.test(name) ? 'd’' : 'de ') + name;

// A word agreed with the person: e('proposé', c) -> « proposée » for a woman.
const e = (word, c) => (c?.sex === 'F' ? word + 'e' : c?.sex === 'M' ? word : word + '·e');

// An event about candidate c in a sentence; p: the proposal it belongs to
// (with its `job`), when known.  « Amina est proposée à Propreté Rhône,
// rencontre au poste le 2 décembre à 10 h. »
export function eventSentence(ev, c, p) {
  const who = c?.first_name ?? 'La personne';
  const job = p?.job;
  const co = job?.company_name ?? 'l’entreprise';
  const post = job ? ` pour le poste « ${job.offer_title} »${job.commune_name ? ' à ' + job.commune_name : ''}` : '';
  const d = ev.data ?? {};
  switch (ev.type) {
  case 'candidate.created': return `${who} est ${e('orienté', c)} vers l’équipe IOD.`;
  case 'candidate.updated': return `Le profil ${de(who)} est mis à jour.`;
  case 'candidate.erased': return 'Les données de la personne sont effacées.';
  case 'candidate.stalled': return `${who} attend une proposition depuis ${d.days ?? '?'} jours.`;
  case 'proposal.created': return `${who} est ${e('proposé', c)} à ${co}${post}.`;
  case 'proposal.meeting_scheduled':
    return `${who} est ${e('proposé', c)} à ${co}, rencontre au poste${p?.meeting?.at ? ' le ' + meetingWhen(p.meeting.at) : ''}.`;
  case 'proposal.hired': return `${who} est ${e('embauché', c)} par ${co}${post}.`;
  case 'proposal.refused': return `${co} ne retient pas ${who}.`;
  case 'proposal.declined': return `${who} décline l’offre de ${co}.`;
  case 'proposal.no_show': return `${who} n’est pas ${e('venu', c)} à la rencontre chez ${co}.`;
  case 'proposal.withdrawn': return `La proposition ${de(who)} à ${co} est retirée.`;
  case 'proposal.expired': return `La proposition ${de(who)} à ${co} a expiré sans réponse.`;
  case 'placement.created':
    return `Le contrat ${de(who)} chez ${co} (${label(CONTRACTS, d.contract)}) commence le ${day(d.start_on)} ; le suivi est planifié.`;
  case 'placement.ended': return `Le contrat ${de(who)} chez ${co} a pris fin${d.ended_on ? ' le ' + day(d.ended_on) : ''}.`;
  case 'followup.done':
    return `Entretien de suivi ${de(who)} fait${d.done_on ? ' le ' + day(d.done_on) : ''}${d.assessment ? ' : ' + label(ASSESSMENT, d.assessment) : ''}.`;
  case 'followup.missed': return `Entretien de suivi ${de(who)} manqué (prévu le ${day(d.due_on)}).`;
  case 'followup.cancelled': return `Entretien de suivi ${de(who)} du ${day(d.due_on)} annulé.`;
  case 'followup.due_tomorrow': return `Entretien de suivi ${de(who)} demain, ${day(d.due_on)}.`;
  case 'followup.overdue': return `Entretien de suivi ${de(who)} en retard (prévu le ${day(d.due_on)}).`;
  default: return `${who} : ${eventLabel(ev.type)}.`;
  }
}

// ---- the API's errors in French --------------------------------------------------

// The fields of the console's forms as the API names them, in French; a
// path ("contact.email", "rome[1]") is looked up whole, then without its
// index, then by its last part.
export const FIELDS = {
  // people
  first_name: 'le prénom', last_name: 'le nom', birth_date: 'la date de naissance',
  sex: 'le sexe', commune: 'la commune', qpv: 'le quartier (QPV)', qpv_code: 'le code du QPV',
  programme: 'le dispositif', publics: 'les publics', referent_id: 'le référent',
  oriented_on: 'la date d’orientation', available_on: 'la date de disponibilité',
  max_weekly_hours: 'les heures par semaine au plus', rome: 'le métier (ROME)',
  contracts: 'les contrats souhaités', schedule: 'les horaires possibles', status: 'le statut',
  mobility: 'la mobilité', 'mobility.zone': 'la zone de mobilité', 'mobility.licence_b': 'le permis B',
  'mobility.vehicle': 'le véhicule', consent: 'le consentement', 'consent.on': 'la date du consentement',
  'consent.by': 'le recueil du consentement',
  // companies and contacts
  name: 'le nom', siret: 'le SIRET', fte: 'les salariés (ETP)', fte_metropole: 'les salariés dans la Métropole',
  naf: 'le code NAF', contact: 'le contact', 'contact.name': 'le nom du contact',
  'contact.role': 'la fonction du contact', 'contact.phone': 'le téléphone du contact',
  'contact.email': 'le courriel du contact', email: 'le courriel', phone: 'le téléphone', role: 'la fonction',
  structure: 'la structure', charter: 'la charte', 'charter.signed_on': 'la date de signature de la charte',
  'charter.contact.name': 'le nom du contact charte', 'charter.contact.role': 'la fonction du contact charte',
  'charter.contact.phone': 'le téléphone du contact charte', 'charter.contact.email': 'le courriel du contact charte',
  'charter.other_charters': 'les autres chartes', 'charter.national_network': 'le réseau national',
  // offers
  title: 'l’intitulé du poste', company_id: 'l’entreprise', appellation: 'l’appellation (ROME)',
  contract: 'le contrat', duration_months: 'la durée (mois)', weekly_hours: 'les heures par semaine',
  start_on: 'la date de début', requirements: 'les exigences', favoured_publics: 'les publics choisis',
  ruleset: 'la règle', workstation_visit: 'la visite du poste', 'workstation_visit.on': 'la date de la visite',
  'workstation_visit.notes': 'ce que la visite a appris', 'workstation_visit.met': 'les personnes rencontrées',
  'workstation_visit.owner': 'le chargé de mission', notes: 'ce que la visite a appris',
  met: 'les personnes rencontrées', owner: 'le chargé de mission', note: 'la note',
  // proposals, placements, follow-ups
  meeting: 'le rendez-vous', 'meeting.at': 'la date et l’heure du rendez-vous', 'meeting.place': 'le lieu du rendez-vous',
  reason: 'le motif', on: 'la date', ended_on: 'le dernier jour', trial_weeks: 'la période d’essai',
  assessment: 'l’appréciation', candidate_id: 'la personne', offer_id: 'l’offre', session: 'la séance',
  // sign-in, accounts, reports
  login: 'l’identifiant', password: 'le mot de passe', old_password: 'l’ancien mot de passe',
  'If-Match': 'la version de la fiche', from: 'le début de la période', to: 'la fin de la période',
  days: 'les jours', q: 'la recherche', body: 'la requête',
};

export function fieldLabel(path) {
  if (!path) return null;
  const plain = path.replace(/\[\d+\]/g, '');
  return FIELDS[path] ?? FIELDS[plain] ?? FIELDS[plain.slice(plain.lastIndexOf('.') + 1)] ?? null;
}

// A code of an enumeration in French, whichever table holds it.
const ENUMS = [CONTRACTS, PROGRAMMES, PUBLICS, SCHEDULE, REQUIREMENTS, CANDIDATE_STATUS, ZONES,
  OFFER_STATUS, PROPOSAL_STATUS, FU_KIND, FU_STATUS, ASSESSMENT, { F: 'femme', M: 'homme', X: 'non précisé' }];
function enumWord(code) {
  const c = code.replace(/^"|"$/g, '');
  for (const t of ENUMS) if (t[c]) return t[c];
  return c;
}
// "a, b or c" (the API's list) -> « CDI, CDD ou intérim (CTT) ».
function enumList(s) {
  const names = s.split(/, | or /).map((w) => enumWord(w.trim()));
  return names.length > 1 ? names.slice(0, -1).join(', ') + ' ou ' + names.at(-1) : names[0];
}
const quote = (v) => `« ${String(v).replace(/^"|"$/g, '')} »`;
const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);
const TYPES = {
  'a positive integer id': 'un numéro de fiche', 'a string': 'un texte', 'an integer': 'un nombre entier',
  'true or false': 'oui ou non', 'a date YYYY-MM-DD': 'une date', 'one of the listed names': 'un choix de la liste',
  'an array of strings': 'une liste', 'an object': 'un ensemble de champs', 'an array of objects': 'une liste',
};

// What was wrong, from the API's message ("path: cause", in English),
// said in French; null when the cause has no known shape.
function causeText(cause) {
  let m;
  if ((m = /^(?:\[\d+\] )?(.+) is not one of (.+)$/.exec(cause)))
    return `${quote(enumWord(m[1]))} n’est pas un choix possible : ${enumList(m[2])}.`;
  if ((m = /^"(.*)" has (\d+) bytes \(expected exactly (\d+)\)$/.exec(cause)))
    return `il faut exactement ${m[3]} caractères (${m[2]} reçus).`;
  if ((m = /^"(.*)" has (\d+) bytes \(expected (\d+) to (\d+)\)$/.exec(cause)))
    return +m[2] < +m[3] ? (m[3] === '1' ? 'vide, à renseigner.' : `au moins ${m[3]} caractères (${m[2]} reçus).`)
      : `au plus ${m[4]} caractères (${m[2]} reçus).`;
  if ((m = /^(-?\d+) is out of range \(expected (-?\d+) to (-?\d+)\)$/.exec(cause)))
    return `${m[1]} n’est pas entre ${m[2]} et ${m[3]}.`;
  if ((m = /^has (\d+) items \(expected (\d+) to (\d+)\)$/.exec(cause)))
    return `de ${m[2]} à ${m[3]} choix (${m[1]} reçus).`;
  if ((m = /^has (\d+) items \(expected at most (\d+)\)$/.exec(cause)))
    return `au plus ${m[2]} (${m[1]} reçus).`;
  if ((m = /^"(.*)" is not a date/.exec(cause))) return `${quote(m[1])} n’est pas une date.`;
  if (/^is required|^must not be null/.test(cause)) return 'à renseigner.';
  if ((m = /^"(.*)" is not the INSEE code of a commune/.exec(cause)))
    return `${quote(m[1])} n’est pas une commune de la Métropole : choisissez-la dans la liste.`;
  if ((m = /^"(.*)" is not a ROME code/.exec(cause))) return `${quote(m[1])} n’est pas un métier du ROME : choisissez-le dans la liste.`;
  if ((m = /^"(.*)" is not a ROME appellation/.exec(cause))) return `${quote(m[1])} n’est pas une appellation du ROME.`;
  if ((m = /^"(.*)" is not a valid SIRET/.exec(cause))) return `${quote(m[1])} n’est pas un SIRET valide (14 chiffres, clé de contrôle).`;
  if ((m = /^"(.*)" is not an e-mail address/.exec(cause))) return `${quote(m[1])} n’est pas une adresse de courriel.`;
  if ((m = /^(\d{4}-\d{2}-\d{2}) is in the future/.exec(cause))) return `le ${date(m[1])} est dans le futur.`;
  if ((m = /^(\S+) is before the proposal of (\d{4}-\d{2}-\d{2})/.exec(cause)))
    return `ne peut pas précéder la proposition du ${date(m[2])}.`;
  if (/is in the future|after today/.test(cause)) return 'cette date est dans le futur.';
  if (/^unknown field/.test(cause)) return 'ce champ n’est pas attendu ici.';
  if ((m = /^(.+) is not (a positive integer id|a string|an integer|true or false|a date YYYY-MM-DD|an array of strings|an object|an array of objects)$/.exec(cause)))
    return `il faut ${TYPES[m[2]]}.`;
  return null;
}

// An API error in one French sentence: what it means (GET /v1/errors),
// which field, and what was expected, with the values in French.  err:
// {code, field, message, fr}.
export function errorSentence(err) {
  const msg = err.message ?? '';
  // "meeting.place: is required…": the path the message names may be
  // finer than the error's field ("meeting").
  const m = /^([A-Za-z_][\w.[\]-]*): ([\s\S]*)$/.exec(msg);
  const path = m && (!err.field || m[1].startsWith(err.field)) ? m[1] : err.field;
  const what = fieldLabel(path) ?? fieldLabel(err.field);
  const cause = m && path === m[1] ? m[2] : msg;
  const why = err.code === 'invalid' || err.code === 'bad_query' ? causeText(cause) : null;
  const head = err.fr ?? '';
  if (what && why) return `${head} ${cap(what)} : ${why}`.trim();
  if (what) return `${head} (${what})`.trim();
  return head || msg;
}
