// End-to-end tests of the web console in a real browser: Debian's Chromium
// driven by playwright-core, against the real iodd (BUILD/iodd) started on
// a free loopback port with the demo dataset, as `make run` would.  It
// walks through what a chargé de mission does (sign in with a login and a
// password, create an offer, propose, read why, schedule the meeting,
// record the hire, the follow-up calendar and the week, the batch, the
// report), what a référent sees (their candidates, their events, live),
// and what a company sees (its offers and proposals, with no social
// category anywhere), on a laptop and on a phone.  Nothing is mocked.
//
//   node tests/e2e/run.mjs BUILD [--screenshots DIR]
//
// Prints one line per test and a closing "N passed, M failed"; exits 1 if
// anything failed.  With --screenshots, keeps PNGs of the main pages.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT, options, tempData, startDaemon as start, stopDaemon, request, runner, assert, launch,
  watch as watchPage, waitText, noValueJunk, screenshot, SOCIAL,
} from './lib.mjs';

const { BUILD, SHOTS } = options();
const ADMIN = 'e2e-admin-token-0123456789';
const PW = 'e2e-password-2026';		// the accounts this run creates
const DEMO_PW = 'iod-demo-2026';	// the demo's accounts (README)
const TODAY = '2026-11-24';

const startDaemon = () => start({ build: BUILD, data: tempData('iod-e2e-'), token: ADMIN, today: TODAY });
const api = (d, method, p, body, token = ADMIN) => request(d, method, p, body, token);
const R = runner();
const { test } = R;
const noJunk = (page, where) => noValueJunk(page, where);
const shot = (page, name, opts) => screenshot(SHOTS, 'console', page, name, opts);

async function signIn(page, d, login, password = PW) {
  await page.goto(d.url + '/');
  await page.getByLabel('Identifiant').fill(login);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByLabel('Mot de passe').press('Enter');	// the keyboard, no mouse
  await page.locator('#nav a').first().waitFor();
}

// Type into a completing field and pick the option whose text matches re.
async function pick(page, label, typed, re) {
  const box = page.getByRole('combobox', { name: label });
  await box.fill(typed);
  const list = page.locator(`#${await box.getAttribute('aria-controls')}`);
  await list.getByRole('option', { name: re }).first().click();
}

async function signOut(page) {
  await page.getByRole('link', { name: 'Se déconnecter' }).click();
  await page.getByLabel('Identifiant').waitFor();
}

// ---- the run -------------------------------------------------------------------------

const demoCands = JSON.parse(readFileSync(path.join(ROOT, 'demo/candidates.json'), 'utf8'));
const d = await startDaemon();
const browser = await launch();
const problems = [];	// console errors, CSP violations, requests elsewhere
const watch = (page) => watchPage(page, problems, () => d.url);

const laptop = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
const page = await laptop.newPage();
page.setDefaultTimeout(10000);
watch(page);

const iodTok = (await api(d, 'POST', '/v1/tokens', { role: 'iod', subject: 'cm-martin' })).token;
const companyTok = (await api(d, 'POST', '/v1/tokens', { role: 'company', company_id: 1, subject: 'rh-propete' })).token;
// People sign in with accounts: the demo's chargé de mission (as `make
// run` offers), a company's account made here by the admin.
await api(d, 'POST', '/v1/accounts', { login: 'rh-propete', role: 'company', company_id: 1, password: PW });
const state = {};

try {
  await test('static files: headers, types, no way out of web/', async () => {
    const r = await fetch(d.url + '/');
    assert(r.status === 200, `GET / ${r.status}`);
    assert(r.headers.get('content-type').startsWith('text/html'), 'index.html type');
    assert(r.headers.get('content-security-policy').startsWith("default-src 'self'"), 'CSP');
    assert(r.headers.get('cache-control') === 'no-cache', 'no-cache');
    const js = await fetch(d.url + '/web/app.js');
    assert(js.headers.get('content-type').startsWith('text/javascript'), 'module type');
    for (const p of ['/web/%2e%2e/etc/iod.yaml', '/web/.%2e/Makefile', '/web/.hidden', '/web/x//y.js', '/web/nothing.js'])
      assert((await fetch(d.url + p)).status === 404, `${p} is not 404`);
  });

  await test('sign-in: a wrong password is refused, the message beside the field', async () => {
    await page.goto(d.url + '/');
    await shot(page, 'signin');
    assert(await page.locator('input[name="login"][type="text"]').count() === 1, 'no login input');
    assert(await page.locator('input[name="password"][type="password"]').count() === 1, 'no password input');
    assert(await page.getByText('Jeton').count() === 0, 'the form still asks for a token');
    await page.getByLabel('Identifiant').fill('cm-martin');
    await page.getByLabel('Mot de passe').fill('not the password');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    const msg = await waitText(page, '.field:has(#password) .field-error', /incorrect/i);
    assert(/Identifiant ou mot de passe incorrect/.test(msg), msg);
    assert(await page.locator('#password[aria-invalid="true"]').count() === 1, 'the input is not marked invalid');
    assert(await page.locator('#password').inputValue() === '', 'the password stays in the form');
    assert((await laptop.cookies()).every((c) => c.name !== 'iod_session'), 'a cookie for a refused sign-in');
  });

  await test('sign-in as a chargé de mission, with the keyboard', async () => {
    await signIn(page, d, 'cm-martin', DEMO_PW);
    await waitText(page, '#who', /cm-martin · chargé·e de mission/);
    const menu = await page.locator('#nav').innerText();
    for (const w of ['Offres', 'Propositions', 'Suivi', 'Affectation', 'Bilan'])
      assert(menu.includes(w), `menu lacks ${w}: ${menu}`);
    const cookie = (await laptop.cookies()).find((c) => c.name === 'iod_session');
    assert(cookie && cookie.httpOnly && cookie.sameSite === 'Strict' && cookie.path === '/', JSON.stringify(cookie));
    assert(await page.evaluate(() => document.cookie.includes('iod_session') || sessionStorage.length > 0 && Object.keys(sessionStorage).some((k) => k.includes('token'))) === false,
      'the session can be read by the page');
    // A reload keeps the session: the cookie signs in again.
    await page.reload();
    await waitText(page, '#who', /cm-martin · chargé·e de mission/);
  });

  await test('offers: the list and its filters', async () => {
    await page.goto(d.url + '/#/offres');
    await waitText(page, 'main table', /Agent de propreté des locaux/);
    await page.getByLabel('Recherche').fill('cuisine');
    await page.getByRole('button', { name: 'Filtrer' }).click();
    // The unfiltered list shows both trades: wait for the filtered one,
    // which the other trade must have left.
    const t = await waitText(page, 'main .results',
      /^(?![\s\S]*Agent de propreté)[\s\S]*Commis de cuisine/);
    assert(!/Agent de propreté/.test(t), 'the search kept other trades');
    await page.getByLabel('Recherche').fill('');
    await page.getByRole('button', { name: 'Filtrer' }).click();
    await waitText(page, 'main .results', /Agent de propreté des locaux[\s\S]*Lyon 8e Arrondissement/);
    await noJunk(page, 'offers');
    await shot(page, 'offers');
  });

  await test('new offer: picked by names, an error beside its field, then the offer is created', async () => {
    await page.getByRole('link', { name: 'Nouvelle offre' }).click();
    // The company, the trade and the commune are picked by their names.
    await pick(page, 'Entreprise', 'propreté rhône', /^Propreté Rhône Services/);
    await page.getByLabel('Intitulé du poste').fill('   ');
    await pick(page, 'Métier', 'nettoyage de locaux', /^Nettoyage de locaux \(K2204\)/);
    await page.getByRole('combobox', { name: 'Commune du poste' }).fill('99999');
    await waitText(page, '[role="listbox"]:visible', /Aucune correspondance/);
    await pick(page, 'Commune du poste', '69008', /^Lyon 8e Arrondissement/);
    await page.getByLabel('Contrat', { exact: true }).selectOption('CDI');
    await page.getByLabel('Heures par semaine', { exact: true }).fill('24');
    await page.getByLabel('tôt le matin').check();
    await page.getByLabel('Début', { exact: true }).fill('2026-12-14');
    await page.getByLabel('Date de la visite').fill('2026-11-20');
    await page.getByLabel('Ce que la visite a appris').fill('Équipe de 3, début 6 h, chariot fourni.');
    await page.getByRole('button', { name: 'Enregistrer l’offre' }).click();
    const err = await waitText(page, '.field:has([name="title"]) .field-error', /intitulé du poste/i);
    assert(/Valeur|requis|manqu|refus/i.test(err), err);
    await page.getByLabel('Intitulé du poste').fill('Agent d’entretien (e2e)');
    await page.getByRole('button', { name: 'Enregistrer l’offre' }).click();
    await waitText(page, 'main h1', /Agent d’entretien \(e2e\)/);
    state.offer = Number(/#\/offres\/(\d+)/.exec(page.url())[1]);
    await waitText(page, 'main', /Visité le 20\/11\/2026/);
    await waitText(page, 'main', /iod-plie, version 1/);
  });

  await test('ranked list on demand, in words', async () => {
    await page.getByRole('button', { name: 'Voir le classement' }).click();
    const t = await waitText(page, 'main .results table', /Rang/);
    assert(/attente \+\d+/.test(t), `no waiting time in words: ${t}`);
    assert(!/public:|waiting_time|same_/.test(t), `raw criterion codes: ${t}`);
  });

  await test('propose: the one candidate, the score in words', async () => {
    await page.getByRole('button', { name: 'Proposer', exact: true }).click();
    const t = await waitText(page, '.explain', /Proposition n° \d+ : \S+/);
    assert(/Score \d+ — /.test(t), t);
    assert(/RSA \+30/.test(t) && /attente \+\d+/.test(t), `score parts not in words: ${t}`);
    assert(!/public:|waiting_time|same_territory|favoured_public/.test(t), `raw codes: ${t}`);
    assert(/personnes? éligibles? sur \d+ examinées?/.test(t), t);
    state.proposal = Number(/Proposition n° (\d+)/.exec(t)[1]);
    await noJunk(page, 'offer');
    await shot(page, 'offer');
  });

  await test('nobody eligible: what each filter removed, in French', async () => {
    const o = await api(d, 'POST', '/v1/offers', {
      company_id: 2, title: 'Secrétaire (e2e)', rome: 'M1607', commune: '69385', contract: 'CDD',
      duration_months: 6, weekly_hours: 35, workstation_visit: { on: '2026-11-19' }, ruleset: 'iod-plie',
    }, iodTok);
    await page.goto(`${d.url}/#/offres/${o.id}`);
    await page.getByRole('button', { name: 'Proposer', exact: true }).click();
    const t = await waitText(page, '.explain.none', /Personne n’est éligible/);
    assert(/\d+ autre métier \(ROME\)/.test(t), t);
  });

  await test('meeting at the workstation: an API error beside the field, then recorded', async () => {
    await page.goto(`${d.url}/#/propositions/${state.proposal}`);
    await page.getByLabel('Date et heure').fill('2026-11-24T16:00');	// not before the proposal
    await page.getByLabel('Lieu').fill('   ');
    await page.getByRole('button', { name: 'Enregistrer le rendez-vous' }).click();
    const err = await waitText(page, 'fieldset[name="meeting"] .field-error', /lieu du rendez-vous/i);
    assert(err.length > 0, 'no error');
    await page.getByLabel('Lieu').fill('Propreté Rhône Services, 12 rue Marius Berliet, Lyon 8e');
    await page.getByRole('button', { name: 'Enregistrer le rendez-vous' }).click();
    await waitText(page, 'main .facts', /mise en relation prévue/);
    await waitText(page, 'main .facts', /mardi 24 novembre 2026 à 16h00/);
  });

  await test('hire: the placement and its follow-up calendar', async () => {
    await noJunk(page, 'proposal');
    await shot(page, 'proposal', { fullPage: true });
    await page.getByLabel('Début du contrat').fill('2026-11-16');
    await page.getByRole('button', { name: 'Enregistrer l’embauche' }).click();
    await waitText(page, 'main h1', /Embauche de /);
    state.placement = Number(/#\/embauches\/(\d+)/.exec(page.url())[1]);
    const t = await waitText(page, 'main', /Calendrier de suivi \(\d+ entretiens\)/);
    assert(/employeur/.test(t) && /salarié/.test(t), 'employer and employee appointments');
    assert(/bilan avec le référent/.test(t), 'the joint review at the horizon');
    assert(/lundi 23 novembre/.test(t), `first weekly appointment: ${t.slice(0, 600)}`);
    assert(/en retard/.test(t), 'the appointment of 23/11 is overdue on 24/11');
    await shot(page, 'placement');
  });

  await test('week view: overdue marked, an appointment recorded in two clicks', async () => {
    await page.getByRole('link', { name: 'Suivi' }).click();
    await waitText(page, 'main h1', /semaine du lundi 23 novembre/);
    const card = page.locator('.day', { hasText: 'lundi 23 novembre' }).locator('li.appt.overdue').first();
    await card.waitFor();
    assert(/en retard/.test(await card.innerText()), 'overdue not marked');
    const before = await page.locator('li.appt.overdue').count();
    await shot(page, 'week');
    await card.getByRole('button', { name: 'Fait' }).click();		// 1
    await card.getByRole('button', { name: 'Tout va bien' }).click();	// 2
    await waitText(page, '#status', /enregistré : tout va bien/);
    await page.locator('li.appt.done').first().waitFor();
    const after = await page.locator('li.appt.overdue').count();
    assert(after === before - 1, `overdue ${before} -> ${after}`);
    const pl = await api(d, 'GET', `/v1/placements/${state.placement}`);
    assert(pl.schedule.some((f) => f.status === 'done' && f.assessment === 'fine'), 'not recorded in the store');
  });

  await test('batch: a dry run as a table, then committed', async () => {
    await page.getByRole('link', { name: 'Affectation' }).click();
    await page.getByRole('button', { name: 'Simuler l’affectation' }).click();
    await waitText(page, 'main .results', /Simulation/);
    const rows = await page.locator('main .results tbody tr').count();
    assert(rows > 0, 'no assignment in the dry run');
    const open = await api(d, 'GET', '/v1/proposals?status=proposed');
    await noJunk(page, 'batch');
    await shot(page, 'batch');
    await page.getByRole('button', { name: /Enregistrer ces \d+ propositions/ }).click();
    await waitText(page, 'main .results', /Propositions enregistrées/);
    const now = await api(d, 'GET', '/v1/proposals?status=proposed');
    assert(now.items.length === open.items.length + rows, `${open.items.length} + ${rows} != ${now.items.length}`);
  });

  await test('journal: a contact with a company, from an offer’s page', async () => {
    await page.evaluate(() => { location.hash = '#/offres/1'; });
    await page.getByRole('link', { name: 'Journal des contacts' }).click();
    await waitText(page, 'main h2', /Journal de l’entreprise/);
    const company = Number(page.url().match(/entreprises\/(\d+)\/journal/)[1]);
    await page.getByText('Noter un contact').click();
    await page.getByLabel('Nature du contact').selectOption('presentation');
    await page.getByLabel('Personnes rencontrées').fill('Mme Roux, M. Petit');
    await page.getByLabel('Note de l’équipe').fill('méthode présentée e2e');
    await page.getByRole('button', { name: 'Enregistrer le contact' }).click();
    await waitText(page, 'main', /présentation de la méthode[\s\S]*Mme Roux, M\. Petit[\s\S]*méthode présentée e2e/);
    const j = await api(d, 'GET', `/v1/contacts?company_id=${company}`);
    assert(j.items.length === 1 && j.items[0].kind === 'presentation' && j.items[0].met.length === 2,
      JSON.stringify(j).slice(0, 300));
    await noJunk(page, 'journal');
  });

  await test('report: a table, a chart and the CSV', async () => {
    await page.getByRole('link', { name: 'Bilan' }).click();
    const t = await waitText(page, 'main .results', /Personnes suivies/);
    assert(/Mises en relation/.test(t) && /Embauches/.test(t), t.slice(0, 300));
    assert(await page.locator('svg.chart rect.chart-bar').count() >= 5, 'no bars in the chart');
    const link = page.getByRole('link', { name: 'Télécharger le bilan en CSV' });
    assert(/^bilan-iod-2026-01-01-2026-11-24\.csv$/.test(await link.getAttribute('download')), 'download name');
    const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const csv = readFileSync(await dl.path(), 'utf8');
    // The IOD table as a French spreadsheet opens it: BOM, ';', French labels.
    assert(/^\uFEFFIndicateur;Nombre;%\r\nOrientations;\d+;\r\n/.test(csv) &&
      /\r\nPersonnes ayant accédé à un emploi;\d+;(\d+ %)?\r\n/.test(csv), csv.slice(0, 200));
    assert(await page.getByRole('button', { name: 'Imprimer le tableau' }).count() === 1, 'no print button');
    await noJunk(page, 'report');
    await shot(page, 'report');
  });

  await test('charter: a company’s 19 actions declared, a realisation recorded', async () => {
    await page.getByRole('link', { name: 'Charte', exact: true }).click();
    await page.getByRole('link', { name: 'Propreté Rhône Services' }).click();
    await waitText(page, 'main h1', /Propreté Rhône Services · Charte des 1000/);
    const rows = page.locator('form.charter-form tbody tr');
    assert(await rows.count() === 19, `${await rows.count()} actions on the form`);
    assert(await page.locator('form.charter-form caption').count() === 6, 'six groups');
    for (let i = 0; i < 19; i++) {
      await rows.nth(i).getByLabel(/: engagée$/).check();
      await rows.nth(i).getByLabel(/: publics par an$/).fill(String(i + 1));
    }
    await page.getByRole('button', { name: 'Enregistrer les engagements 2026' }).click();
    await waitText(page, 'main p.total', /Total des engagements : 19 actions, 190 publics/);
    const co = await api(d, 'GET', '/v1/companies/1');
    const y = co.commitments.filter((m) => m.year === 2026 && m.committed);
    assert(new Set(y.map((m) => m.action)).size === 19, JSON.stringify(co.commitments).slice(0, 300));
    await page.getByText('Noter une réalisation').click();
    await page.getByLabel('Action', { exact: true }).selectOption({ label: 'Développer le tutorat ou le parrainage' });
    await page.getByLabel('Publics touchés').fill('3');
    await page.getByLabel('Jours', { exact: true }).fill('2');
    await page.getByLabel('Note de l’équipe').fill('tutrice e2e');
    await page.getByRole('button', { name: 'Enregistrer la réalisation' }).click();
    await waitText(page, 'main', /Réalisations[\s\S]*Développer le tutorat ou le parrainage[\s\S]*tutrice e2e/);
    const after = await api(d, 'GET', '/v1/companies/1');
    assert(after.realisations.at(-1).note === 'tutrice e2e', JSON.stringify(after.realisations));
    await noJunk(page, 'charter');
    await shot(page, 'charter');
  });

  await test('referent: their candidates, what happened, live from the stream', async () => {
    const p = await api(d, 'GET', `/v1/proposals/${state.proposal}`);
    const c = await api(d, 'GET', `/v1/candidates/${p.candidate_id}`);
    const refTok = (await api(d, 'POST', '/v1/tokens', { role: 'referent', referent_id: c.referent_id, subject: 'referent-e2e' })).token;
    await api(d, 'POST', '/v1/accounts', { login: 'referent-e2e', role: 'referent', referent_id: c.referent_id, password: PW });
    await signOut(page);
    await signIn(page, d, 'referent-e2e');
    await waitText(page, 'main h1', /Mes candidats/);
    const card = page.locator(`#c-${c.id}`);
    await waitText(page, `#c-${c.id} .news`, /Dernière nouvelle/);
    await waitText(page, '.stream-state', /en direct/);
    await card.getByText('Historique').click();
    const hist = await waitText(page, `#c-${c.id} .events`, /est embauchée? par Propreté Rhône Services/);
    assert(/est proposée? à Propreté Rhône Services pour le poste « Agent d’entretien \(e2e\) » à Lyon 8e Arrondissement/.test(hist) &&
      /Entretien de suivi d(e |’)\S+ fait le [\s\S]*: tout va bien/.test(hist), hist);
    assert(!/offre n°/.test(await card.innerText()), 'the job is a number');
    await waitText(page, `#c-${c.id} .job`, /Agent d’entretien \(e2e\)[\s\S]*Propreté Rhône Services[\s\S]*Lyon 8e Arrondissement[\s\S]*CDI/);
    const others = await api(d, 'GET', '/v1/candidates?limit=1000', undefined, refTok);
    assert(others.items.every((x) => x.referent_id === c.referent_id), 'someone else’s candidate');
    assert(await page.locator('li.person').count() === others.items.length, 'one card per candidate');
    // Live: a change made elsewhere appears without reloading.
    const pl = await api(d, 'GET', `/v1/placements/${state.placement}`);
    const next = pl.schedule.find((f) => f.status === 'planned');
    await api(d, 'POST', `/v1/followups/${next.id}/cancel`, {}, iodTok);
    await waitText(page, `#c-${c.id} .news`, /Entretien de suivi d(e |’)\S+ du [\s\S]* annulé/);
    await waitText(page, '#status', /Entretien de suivi d(e |’)\S+ du [\s\S]* annulé/);
    await noJunk(page, 'referent');
    await shot(page, 'referent');
  });

  await test('referent: orient a person, names picked, an error beside its field', async () => {
    await page.getByRole('link', { name: 'Orienter une personne' }).click();
    await page.getByLabel('Prénom').fill('Zoé');
    await page.getByLabel('Nom', { exact: true }).fill('Testard');
    await page.getByLabel('Date de naissance').fill('2036-03-08');
    await pick(page, 'Commune de résidence', 'lyon 7', /^Lyon 7e Arrondissement/);
    await pick(page, 'Métiers recherchés', 'nettoyage de locaux', /^Nettoyage de locaux \(K2204\)/);
    await page.getByLabel('Disponible le').fill('2026-12-01');
    await page.getByRole('button', { name: 'Enregistrer la personne' }).click();
    const err = await waitText(page, '.field:has([name="birth_date"]) .field-error', /Valeur refusée/);
    assert(/08\/03\/2036/.test(err), err);	// the value, in French
    await page.getByLabel('Date de naissance').fill('1996-03-08');
    await page.getByRole('button', { name: 'Enregistrer la personne' }).click();
    await waitText(page, 'main h1', /Zoé Testard/);
    const z = (await api(d, 'GET', '/v1/candidates?q=testard')).items[0];
    assert(z.commune === '69387' && z.rome.join() === 'K2204', JSON.stringify(z));
    await waitText(page, 'main', /Ce qui lui est arrivé[\s\S]*Zoé est orientée vers l’équipe IOD/);
    await page.getByRole('link', { name: 'Mes candidats' }).click();
    await waitText(page, 'li.person', /Zoé Testard[\s\S]*Dernière nouvelle : Zoé est orientée vers l’équipe IOD/);
  });

  await test('team: caseloads, and the stalled people with their reasons in words', async () => {
    // Still the référent: their own stalled people, marked on their cards.
    const acct = (await api(d, 'GET', '/v1/accounts')).items.find((x) => x.login === 'referent-e2e');
    const tok = (await api(d, 'POST', '/v1/tokens', { role: 'referent', referent_id: acct.referent_id, subject: 'referent-e2e-team' })).token;
    const stalled = (await api(d, 'GET', '/v1/candidates?stalled=true&limit=1000', undefined, tok)).items;
    assert(stalled.length > 0, 'nobody stalled in the demo');
    const s0 = stalled[0];
    await waitText(page, `#c-${s0.id} .sub`, new RegExp(`sans proposition depuis ${s0.stalled.days} jours`));
    await page.getByRole('link', { name: 'Équipe' }).click();
    await waitText(page, 'main h1', /Équipe/);
    await waitText(page, 'main', new RegExp(`Sans proposition \\(${stalled.length}\\)`));
    const WORDS = { zone: 'zone', hours: 'horaires', contract: 'contrat', licence: 'permis', programme: 'dispositif',
      schedule: 'horaires décalés', availability: 'disponibilité', consent: 'consentement', rome: 'métier' };
    for (const c of stalled) {
      const row = await page.locator('tr', { hasText: `${c.first_name} ${c.last_name}` }).innerText();
      for (const [f, n] of Object.entries(c.stalled.reasons)) {
        if (WORDS[f]) assert(new RegExp(`${WORDS[f]} : ${n}`).test(row), `${f} ${n}: ${row}`);
      }
      if (c.stalled.ranked_below) assert(row.includes(`classé·e après une autre personne : ${c.stalled.ranked_below}`), row);
    }
    await noJunk(page, 'team');
    await shot(page, 'team');
  });

  await test('company: its offers and proposals, no CV, no social category', async () => {
    await signOut(page);
    assert((await laptop.cookies()).every((x) => x.name !== 'iod_session'), 'the cookie outlives the sign-out');
    await signIn(page, d, 'rh-propete');
    await waitText(page, 'main h1', /Nos offres/);
    const menu = await page.locator('#nav').innerText();
    assert(!/Suivi|Affectation|Bilan|Candidats/.test(menu), `menu: ${menu}`);
    const pages = ['#/offres', '#/propositions'];
    const offers = await api(d, 'GET', '/v1/offers?limit=1000', undefined, companyTok);
    const props = await api(d, 'GET', '/v1/proposals?limit=1000', undefined, companyTok);
    assert(offers.items.length >= 3 && offers.items.every((o) => o.company_id === 1), 'its offers only');
    assert(props.items.length >= 1, 'its proposals');
    for (const o of offers.items) pages.push(`#/offres/${o.id}`);
    for (const p of props.items) pages.push(`#/propositions/${p.id}`);
    const all = await api(d, 'GET', '/v1/candidates?limit=1000');
    const secrets = [];
    for (const c of [...demoCands, ...all.items]) {
      secrets.push(c.last_name);
      const [y, m, dd] = c.birth_date.split('-');
      secrets.push(c.birth_date, `${dd}/${m}/${y}`);
    }
    let firstNames = 0;
    for (const h of pages) {
      await page.goto(d.url + '/' + h);
      await page.locator('main h1').waitFor();
      await page.waitForLoadState('networkidle');
      const text = await page.locator('body').innerText();
      const html = await page.content();
      const m = SOCIAL.exec(text) ?? SOCIAL.exec(html);
      assert(!m, `${h}: «${m?.[0]}» is shown to a company`);
      for (const s of secrets) assert(!text.includes(s) && !html.includes(s), `${h}: «${s}» is shown to a company`);
      assert(!/Score|score|éligible/.test(text), `${h}: the matching is shown to a company`);
      await noJunk(page, h);
      if (h.startsWith('#/propositions/')) {
        const p = props.items.find((x) => `#/propositions/${x.id}` === h);
        if (p.candidate?.first_name && text.includes(p.candidate.first_name)) firstNames++;
      }
      if (h === '#/propositions') await shot(page, 'company');
    }
    assert(firstNames === props.items.length, 'a proposal page lacks the first name');
  });

  await test('own password: changed in its form, the old one refused after', async () => {
    await page.getByRole('link', { name: 'Mot de passe', exact: true }).click();
    await waitText(page, 'main h1', /Changer mon mot de passe/);
    await page.getByLabel('Mot de passe actuel').fill('not my password');
    await page.getByLabel('Nouveau mot de passe', { exact: true }).fill('a new e2e password');
    await page.getByLabel('Nouveau mot de passe, à nouveau').fill('a new e2e password');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await waitText(page, '.field:has(#old_password) .field-error', /Valeur refusée/);
    await page.getByLabel('Mot de passe actuel').fill(PW);
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await waitText(page, '#status', /mot de passe est changé/);
    await signOut(page);
    await page.getByLabel('Identifiant').fill('rh-propete');
    await page.getByLabel('Mot de passe').fill(PW);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await waitText(page, '.field:has(#password) .field-error', /incorrect/i);
    await signIn(page, d, 'rh-propete', 'a new e2e password');
    await waitText(page, 'main h1', /Nos offres/);
  });

  await test('phone: the pages fit a narrow screen', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'fr-FR' });
    const pp = await phone.newPage();
    watch(pp);
    await signIn(pp, d, 'cm-martin', DEMO_PW);
    for (const h of ['#/offres', `#/offres/${state.offer}`, '#/suivi', `#/embauches/${state.placement}`, '#/bilan', '#/entreprises/1/journal']) {
      await pp.goto(d.url + '/' + h);
      await pp.locator('main h1').waitFor();
      await pp.waitForLoadState('networkidle');
      const [sw, w] = await pp.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert(sw <= w, `${h}: ${sw}px wide on a ${w}px screen`);
      await noJunk(pp, h);
      if (h === '#/suivi') await shot(pp, 'phone');
    }
    await phone.close();
  });

  await test('no console error, no CSP violation, nothing loaded from elsewhere', async () => {
    assert(problems.length === 0, problems.join('\n'));
  });
} finally {
  await browser.close();
  const rc = await stopDaemon(d);
  if (rc !== 0) R.fail(`iodd stopped with ${rc}:\n${d.log.slice(-30).join('\n')}`);
}

R.finish('e2e');
