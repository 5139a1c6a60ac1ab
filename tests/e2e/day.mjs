// The whole day of the IOD method in the console, in Debian's Chromium
// driven by playwright-core, against the real iodd (BUILD/iodd) on a free
// loopback port with the demo dataset, each person signed in as a person
// (a login and a password typed in the sign-in form; the accounts are
// created by the admin over the API).  A chargé de mission records a
// company (its commune by name, an error beside the SIRET, an edit that
// someone else's change refuses), notes a contact, writes an offer (the
// trade by words, the commune by a postal code that two communes share),
// visits the workstation from the offer's page, proposes, records the
// meeting; the référent sees the job and the news in French; two weeks
// later (the daemon restarted on a later day) the hire is recorded late
// and the first follow-up with the day it happened; the référent reads
// it; the company sees its offer and the proposal without a CV, a social
// category or a score; the lists page on the server; a phone fits it all.
//
//   node tests/e2e/day.mjs BUILD [--screenshots DIR]
//
// Prints one line per step and "e2e day: N passed, M failed"; exits 1 if
// anything failed.  With --screenshots, writes DIR/console-day-*.png.

import {
  options, tempData, startDaemon as start, stopDaemon, request, siret, runner, assert, launch,
  watch as watchPage, waitText, noValueJunk, screenshot, pick, SOCIAL,
} from './lib.mjs';

const { BUILD, SHOTS } = options();
const ADMIN = 'e2e-day-admin-token-0123456789';
const DAY1 = '2026-11-24';
const DAY2 = '2026-12-09';
const PASSWORD = 'Une-journée-IOD-2026';

// ---- the daemon: started, and started again on a later day ------------------------

const data = tempData('iod-e2e-day-');
let d = null;
const startDaemon = (today, port = 0) => start({ build: BUILD, data, token: ADMIN, today, port });
const api = (method, p, body, token = ADMIN, type = 'application/json') => request(d, method, p, body, token, type);
const R = runner();
const { test } = R;

// A value the page printed without meaning to, or a code where a name goes.
async function noJunk(page, where) {
  const text = await noValueJunk(page, where, 'main');
  const code = /\b(69\d{3}|K2204)\b(?!\))/.exec(text.replace(/SIRET \d+/g, ''));
  assert(!code, `${where}: the code «${code?.[1]}» is shown without its name`);
}

const shot = (page, name, opts) => screenshot(SHOTS, 'console-day', page, name, opts);

// Sign in through the form, as a person does.
async function signIn(page, login, password = PASSWORD) {
  await page.goto(d.url + '/');
  const form = page.getByLabel('Identifiant');
  await form.or(page.locator('#nav a').first()).waitFor();
  if (!await form.count()) {	// someone is signed in in this browser
    await page.getByRole('link', { name: 'Se déconnecter' }).click();
    await form.waitFor();
  }
  await form.fill(login);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.locator('#nav a').first().waitFor();
}

// ---- the run -------------------------------------------------------------------------


d = await startDaemon(DAY1);
const browser = await launch();
const problems = [];
const watch = (page, who) => watchPage(page, problems, () => d.url, who);
async function person(who, viewport = { width: 1280, height: 900 }, extra = {}) {
  const ctx = await browser.newContext({ viewport, locale: 'fr-FR', timezoneId: 'Europe/Paris', ...extra });
  const page = await ctx.newPage();
  page.setDefaultTimeout(10000);
  watch(page, who);
  return { ctx, page };
}

const cm = await person('chargé de mission');
const page = cm.page;
const ref = await person('référent');
const state = {};
const ACCOUNTS = {
  cm: { login: 'camille.martin', role: 'iod', name: 'Camille Martin' },
  ref: { login: 'nadia.benali', role: 'referent', referent_id: 1, name: 'Nadia Benali' },
};

try {
  await test('setup: the admin creates the accounts, and sixty companies to page through', async () => {
    for (const a of Object.values(ACCOUNTS)) await api('POST', '/v1/accounts', { ...a, password: PASSWORD });
    const items = [];
    for (let i = 1; i <= 60; i++) {
      items.push({ siret: siret(`7${String(i).padStart(3, '0')}000000001`), name: `Atelier d’essai ${String(i).padStart(2, '0')}`, commune: '69029' });
    }
    const r = await api('POST', '/v1/companies:batch', items);
    assert(r.created.length === 60, JSON.stringify(r).slice(0, 300));
    state.amina = (await api('GET', '/v1/candidates?q=amina&limit=10')).items.find((c) => c.last_name === 'Diallo');
    assert(state.amina && state.amina.referent_id === 1, 'Amina Diallo of the demo, Nadia Benali’s');
  });

  await test('sign-in: a wrong password is refused beside the form; the right one opens the console', async () => {
    await page.goto(d.url + '/');
    await page.getByLabel('Identifiant').fill(ACCOUNTS.cm.login);
    await page.getByLabel('Mot de passe').fill('pas-le-bon');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await waitText(page, 'main .field-error', /\S/);
    await shot(page, 'signin');
    await signIn(page, ACCOUNTS.cm.login);
    await waitText(page, '#who', /Camille Martin|camille\.martin/);
    assert(await page.evaluate(() => document.cookie) === '', 'the session cookie is readable by scripts');
  });

  await test('companies: searched and paged on the server, « 50 sur N »', async () => {
    await page.getByRole('link', { name: 'Entreprises' }).click();
    const total = (await api('GET', '/v1/companies?limit=1')).total;
    assert(total > 60, `total ${total}`);
    await waitText(page, 'main .count', new RegExp(`^50 sur ${total} entreprises$`));
    assert(await page.locator('main .results tbody tr').count() === 50, 'not 50 rows');
    await page.getByRole('button', { name: 'Page suivante' }).click();
    await waitText(page, 'main .count', new RegExp(`^51 à ${total} sur ${total} entreprises$`));
    await page.getByRole('button', { name: 'Page précédente' }).click();
    await waitText(page, 'main .count', new RegExp(`^50 sur ${total}`));
    await page.getByLabel('Recherche').fill('atelier d’ESSAI 07');
    await waitText(page, 'main .count', /^1 entreprise$/);
    await page.getByLabel('Recherche').fill('propreté');
    await waitText(page, 'main .results', /Propreté Rhône Services[\s\S]*Lyon 8e Arrondissement/);
    await page.getByLabel('Recherche').fill('');
    await page.getByLabel('Territoire').selectOption('Porte des Alpes');
    const bron = (await api('GET', `/v1/companies?territory=${encodeURIComponent('Porte des Alpes')}&limit=1`)).total;
    assert(bron >= 60, `${bron} companies in Porte des Alpes`);	// the sixty are in Bron
    await waitText(page, 'main .count', new RegExp(`^50 sur ${bron} entreprises$`));
    const t = await waitText(page, 'main .results', /Bron/);
    assert(!/Lyon \d/.test(t), `the territory filter kept Lyon: ${t.slice(0, 300)}`);
    await page.getByLabel('Territoire').selectOption('');
    await noJunk(page, 'companies');
  });

  await test('a new company: the commune by its name, the API’s error in French beside the SIRET', async () => {
    await page.getByRole('link', { name: 'Nouvelle entreprise' }).click();
    assert(!/INSEE/i.test(await page.locator('main').innerText()), 'the form asks for an INSEE code');
    await page.getByLabel('Raison sociale').fill('Hôtel Saône-Rive');
    await page.getByLabel('SIRET').fill('12345678901234');
    await pick(page, 'Commune de l’établissement', 'neuville', /Neuville-sur-Saône/);
    await page.getByLabel('Salariés (équivalents temps plein)').fill('35');
    await page.getByLabel('Nom', { exact: true }).fill('Mme Lopez');
    await page.getByLabel('Fonction').fill('Gouvernante générale');
    await page.getByRole('button', { name: 'Enregistrer l’entreprise' }).click();
    const err = await waitText(page, '.field:has([name="siret"]) .field-error', /Valeur refusée/);
    assert(/siret/i.test(err), err);
    state.siret = siret('4101234560001');
    await page.getByLabel('SIRET').fill(state.siret);
    await page.getByRole('button', { name: 'Enregistrer l’entreprise' }).click();
    await waitText(page, 'main h1', /Hôtel Saône-Rive/);
    state.company = Number(/#\/entreprises\/(\d+)/.exec(page.url())[1]);
    const co = await api('GET', `/v1/companies/${state.company}`);
    assert(co.commune === '69143' && co.siret === state.siret && co.contact?.name === 'Mme Lopez', JSON.stringify(co));
    await waitText(page, 'main', /Neuville-sur-Saône[\s\S]*Val de Saône/);
    await noJunk(page, 'company');
  });

  await test('the company edited: someone else’s change meanwhile is said, not overwritten', async () => {
    await page.getByText('Modifier la fiche et le contact').click();
    await api('PATCH', `/v1/companies/${state.company}`, { fte: 40 }, ADMIN, 'application/merge-patch+json');
    await page.getByLabel('Salariés (équivalents temps plein)').fill('36');
    await page.getByRole('button', { name: 'Enregistrer les changements' }).click();
    await waitText(page, '.conflict', /Quelqu’un d’autre a modifié cette fiche/);
    assert((await api('GET', `/v1/companies/${state.company}`)).fte === 40, 'the other change was overwritten');
    await page.getByRole('button', { name: 'Recharger la fiche' }).click();
    await waitText(page, 'main .facts', /^40|\n40|Salariés\s+40/);
    await page.getByText('Modifier la fiche et le contact').click();
    await page.getByLabel('Salariés (équivalents temps plein)').fill('38');
    await page.getByRole('button', { name: 'Enregistrer les changements' }).click();
    await waitText(page, '#status', /fiche modifiée/);
    assert((await api('GET', `/v1/companies/${state.company}`)).fte === 38, 'the edit was not saved');
  });

  await test('the journal: a contact noted from the company’s page', async () => {
    await page.getByText('Noter un contact').click();
    await page.getByLabel('Nature du contact').selectOption('prospection');
    await page.getByLabel('Personnes rencontrées').fill('Mme Lopez');
    await page.getByLabel('Note de l’équipe').fill('Besoin de deux agents le matin.');
    await page.getByRole('button', { name: 'Enregistrer le contact' }).click();
    await waitText(page, 'main', /prospection[\s\S]*Mme Lopez[\s\S]*Besoin de deux agents/);
    await shot(page, 'company', { fullPage: true });
  });

  await test('a new offer: the trade by words, the commune by a postal code two communes share', async () => {
    await page.getByRole('link', { name: 'Nouvelle offre pour cette entreprise' }).click();
    await waitText(page, 'main h1', /Nouvelle offre/);
    assert(/Hôtel Saône-Rive/.test(await page.getByRole('combobox', { name: 'Entreprise' }).inputValue()), 'the company is not chosen');
    await page.getByLabel('Intitulé du poste').fill('Agent·e de propreté en hôtellerie');
    await pick(page, 'Métier', 'propreté de locaux', /^Agent \/ Agente de propreté de locaux/);
    const offered = await pick(page, 'Commune du poste', '69003', /^Lyon 3e Arrondissement/);
    assert(offered.some((t) => /Albigny-sur-Saône/.test(t)), `69003 does not offer Albigny-sur-Saône: ${offered}`);
    await page.getByLabel('Contrat', { exact: true }).selectOption('CDI');
    await page.getByLabel('Heures par semaine', { exact: true }).fill('24');
    await page.getByLabel('tôt le matin').check();
    await page.getByLabel('Début', { exact: true }).fill('2026-11-30');
    assert(!/INSEE/i.test(await page.locator('main').innerText()), 'the form asks for an INSEE code');
    await shot(page, 'new-offer', { fullPage: true });
    await page.getByRole('button', { name: 'Enregistrer l’offre' }).click();
    await waitText(page, 'main h1', /Agent·e de propreté en hôtellerie/);
    state.offer = Number(/#\/offres\/(\d+)/.exec(page.url())[1]);
    const o = await api('GET', `/v1/offers/${state.offer}`);
    assert(o.commune === '69383' && o.rome === 'K2204' && o.appellation === '10571' && o.company_id === state.company,
      JSON.stringify(o));
    await waitText(page, 'main', /Agent \/ Agente de propreté de locaux[\s\S]*Lyon 3e Arrondissement/);
    await waitText(page, 'main', /Le poste n’a pas encore été visité/);
  });

  await test('the workstation visit, recorded on the offer’s page', async () => {
    await page.getByLabel('Date de la visite').fill(DAY1);
    await page.getByLabel('Ce que la visite a appris').fill('Chambres au 2e étage, chariot fourni, début 6 h 30.');
    await page.getByRole('button', { name: 'Enregistrer la visite' }).click();
    await waitText(page, 'main', /Visité le 24\/11\/2026[\s\S]*chariot fourni/);
    const o = await api('GET', `/v1/offers/${state.offer}`);
    assert(o.workstation_visit?.on === DAY1, JSON.stringify(o.workstation_visit));
    await waitText(page, 'main', /Méthode IOD pour les participants du PLIE/);
    await noJunk(page, 'offer');
  });

  await test('the offer edited: the hours, under If-Match', async () => {
    await page.getByText('Modifier le poste, le contrat, la règle').click();
    await page.getByRole('form', { name: 'Modifier l’offre' }).getByLabel('Heures par semaine', { exact: true }).fill('26');
    await page.getByRole('button', { name: 'Enregistrer les changements' }).click();
    await waitText(page, '#status', /Offre modifiée/);
    await waitText(page, 'main .facts', /Heures par semaine\s+26/);
    const o = await api('GET', `/v1/offers/${state.offer}`);
    assert(o.weekly_hours === 26 && o.commune === '69383' && o.appellation === '10571' && o.workstation_visit?.on === DAY1,
      JSON.stringify(o));
  });

  await test('propose: one person, chosen by the rule, the score in words', async () => {
    await page.getByRole('button', { name: 'Proposer', exact: true }).click();
    const t = await waitText(page, '.explain', /Proposition n° \d+ : Amina/);
    assert(/RSA \+30/.test(t), t);
    state.proposal = Number(/Proposition n° (\d+)/.exec(t)[1]);
    await shot(page, 'offer', { fullPage: true });
  });

  await test('the meeting at the workstation', async () => {
    await page.getByRole('link', { name: 'Préparer la mise en relation' }).click();
    await waitText(page, 'main h1', /Amina · Agent·e de propreté en hôtellerie/);
    await page.getByLabel('Date et heure').fill('2026-11-26T10:00');
    assert(/Hôtel Saône-Rive/.test(await page.getByLabel('Lieu').inputValue()), 'the place is not suggested');
    await page.getByRole('button', { name: 'Enregistrer le rendez-vous' }).click();
    await waitText(page, 'main .facts', /mise en relation prévue[\s\S]*jeudi 26 novembre 2026 à 10h00/);
    await noJunk(page, 'proposal');
    await shot(page, 'proposal', { fullPage: true });
  });

  await test('the référent sees the job, and the news in French', async () => {
    await signIn(ref.page, ACCOUNTS.ref.login);
    await waitText(ref.page, 'main h1', /Mes candidats/);
    const card = `#c-${state.amina.id}`;
    const job = await waitText(ref.page, `${card} .job`,
      /Agent·e de propreté en hôtellerie[\s\S]*Hôtel Saône-Rive[\s\S]*Lyon 3e Arrondissement[\s\S]*CDI[\s\S]*30\/11\/2026[\s\S]*jeudi 26 novembre 2026 à 10h00/);
    assert(!/offre n°/.test(job), job);
    await waitText(ref.page, `${card} .news`,
      /Amina est proposée à Hôtel Saône-Rive, rencontre au poste le 26 novembre à 10 h/);
    await ref.page.locator(card).getByText('Historique').click();
    await waitText(ref.page, `${card} .events`, /Amina est proposée à Hôtel Saône-Rive pour le poste « Agent·e de propreté en hôtellerie » à Lyon 3e Arrondissement/);
    const others = await api('GET', '/v1/candidates?referent_id=1&limit=100');
    await waitText(ref.page, 'main .count', new RegExp(`^${others.total ?? others.items.length} personnes?$`));
    await noJunk(ref.page, 'referent');
    await shot(ref.page, 'referent', { fullPage: true });
  });

  await test('the référent edits the profile of a person of theirs', async () => {
    await ref.page.locator(`#c-${state.amina.id} h2 a`).click();
    await waitText(ref.page, 'main h1', /Amina Diallo/);
    await waitText(ref.page, 'main', /Le poste proposé[\s\S]*Hôtel Saône-Rive/);
    await ref.page.getByText('Modifier le profil, les métiers, la disponibilité').click();
    await ref.page.getByLabel('Heures par semaine au plus').fill('32');
    await ref.page.getByRole('button', { name: 'Enregistrer les changements' }).click();
    await waitText(ref.page, '#status', /Profil d’Amina Diallo modifié/);
    const c = await api('GET', `/v1/candidates/${state.amina.id}`);
    assert(c.max_weekly_hours === 32 && c.rome.join() === state.amina.rome.join() && c.commune === state.amina.commune &&
      c.referent_id === 1, JSON.stringify(c));
    await waitText(ref.page, 'main', /Lyon 8e Arrondissement/);
    await noJunk(ref.page, 'candidate');
  });

  await test('two weeks later: the daemon on 9 December, the hire recorded late', async () => {
    const port = d.port;
    await ref.page.goto('about:blank');	// the référent's day is over: no stream to retry
    await page.goto('about:blank');
    assert(await stopDaemon(d) === 0, 'iodd did not stop cleanly');
    d = await startDaemon(DAY2, port);
    await signIn(page, ACCOUNTS.cm.login);
    await page.goto(`${d.url}/#/propositions/${state.proposal}`);
    await page.getByLabel('Début du contrat').fill('2026-11-30');
    await page.getByRole('button', { name: 'Enregistrer l’embauche' }).click();
    await waitText(page, 'main h1', /Embauche de Amina|Embauche d’Amina/);
    state.placement = Number(/#\/embauches\/(\d+)/.exec(page.url())[1]);
    await waitText(page, 'main', /en retard/);
  });

  await test('the follow-up: the first appointment recorded, on the day it happened', async () => {
    const row = page.locator('main tr', { has: page.getByRole('button', { name: 'Fait' }) }).first();
    await row.getByRole('button', { name: 'Fait' }).click();
    await row.getByLabel('Date de l’entretien').fill('2026-12-08');	// yesterday, recorded today
    await row.getByRole('button', { name: 'Tout va bien' }).click();
    await waitText(page, '#status', /tout va bien, le 08\/12\/2026/);
    const pl = await api('GET', `/v1/placements/${state.placement}`);
    const done = pl.schedule.find((f) => f.status === 'done');
    assert(done && done.assessment === 'fine' && done.done_on === '2026-12-08', JSON.stringify(pl.schedule).slice(0, 400));
    await shot(page, 'placement', { fullPage: true });
  });

  await test('the référent reads what happened, in sentences', async () => {
    await signIn(ref.page, ACCOUNTS.ref.login);
    const card = `#c-${state.amina.id}`;
    await waitText(ref.page, `${card} .job`, /Son emploi[\s\S]*Hôtel Saône-Rive[\s\S]*embauche/);
    await waitText(ref.page, `${card} .news`, /Entretien de suivi d’Amina fait le mardi 8 décembre : tout va bien/);
    await ref.page.locator(card).getByText('Historique').click();
    const hist = await waitText(ref.page, `${card} .events`, /Amina est embauchée par Hôtel Saône-Rive/);
    assert(/Le contrat d’Amina chez Hôtel Saône-Rive \(CDI\) commence le lundi 30 novembre/.test(hist), hist);
    assert(/Amina est proposée à Hôtel Saône-Rive, rencontre au poste le 26 novembre à 10 h/.test(hist), hist);
    assert(!/proposal\.|followup\.|placement\./.test(hist), `event codes in the feed: ${hist}`);
    await shot(ref.page, 'referent-feed', { fullPage: true });
  });

  await test('the company sees its offer and the proposal: a first name, no CV, no category, no score', async () => {
    await api('POST', '/v1/accounts', {
      login: 'rh.saone-rive', password: PASSWORD, role: 'company', company_id: state.company, name: 'Mme Lopez',
    });
    const co = await person('entreprise');
    try {
      await signIn(co.page, 'rh.saone-rive');
      await waitText(co.page, 'main h1', /Nos offres/);
      const menu = await co.page.locator('#nav').innerText();
      assert(!/Suivi|Affectation|Bilan|Candidats|Entreprises|Référents/.test(menu), `menu: ${menu}`);
      await waitText(co.page, 'main .results', /Agent·e de propreté en hôtellerie[\s\S]*Lyon 3e Arrondissement/);
      const secrets = [state.amina.last_name, state.amina.birth_date, '12/04/1988', 'Mermoz', 'chariot fourni'];
      for (const h of [`#/offres/${state.offer}`, '#/propositions', `#/propositions/${state.proposal}`]) {
        await co.page.goto(d.url + '/' + h);
        await co.page.locator('main h1').waitFor();
        await co.page.waitForLoadState('networkidle');
        const text = await co.page.locator('body').innerText();
        const html = await co.page.content();
        const m = SOCIAL.exec(text) ?? SOCIAL.exec(html);
        assert(!m, `${h}: «${m?.[0]}» is shown to a company`);
        for (const s of secrets) assert(!text.includes(s) && !html.includes(s), `${h}: «${s}» is shown to a company`);
        assert(!/Score|score|éligible/.test(text), `${h}: the matching is shown to a company`);
        if (h.startsWith('#/propositions/')) {
          assert(/Amina/.test(text) && /26 novembre 2026 à 10h00/.test(text), `${h}: ${text.slice(0, 400)}`);
          await shot(co.page, 'company-view', { fullPage: true });
        }
        await noJunk(co.page, h);
      }
    } finally {
      await co.ctx.close();
    }
  });

  await test('lists everywhere say how many, filtered on the server', async () => {
    await page.goto(d.url + '/#/offres');
    const open = (await api('GET', '/v1/offers?status=open&limit=1')).total;
    await waitText(page, 'main .count', new RegExp(`^${open} offres$`));
    await page.getByLabel('Statut').selectOption('filled');
    await waitText(page, 'main .count', /^1 offre$|^\d+ offres$/);
    await page.getByLabel('Recherche').fill('hôtellerie');
    await waitText(page, 'main .count', /^1 offre$/);
    await waitText(page, 'main .results', /Agent·e de propreté en hôtellerie[\s\S]*Hôtel Saône-Rive/);
    await page.getByLabel('Recherche').fill('');
    await page.getByLabel('Statut').selectOption('');
    await pick(page, 'Commune', '69003', /^Lyon 3e Arrondissement/);
    const inLyon3 = (await api('GET', '/v1/offers?commune=69383&limit=1')).total;
    await waitText(page, 'main .count', new RegExp(`^${inLyon3} offres?$`));
    const t = await waitText(page, 'main .results', /Lyon 3e Arrondissement/);
    assert(!/Lyon 8e|Villeurbanne|Neuville/.test(t), `the commune filter kept others: ${t}`);
    await page.goto(d.url + '/#/candidats');
    await page.getByLabel('Référent·e').selectOption({ label: 'Nadia Benali (ALLIES – PLIE de Lyon)' });
    const mine = (await api('GET', '/v1/candidates?referent_id=1&limit=1')).total;
    await waitText(page, 'main .count', new RegExp(`^${mine} personnes?$`));
    await page.goto(d.url + '/#/propositions');
    await page.getByLabel('Recherche').fill('amina');
    await waitText(page, 'main .results', /Agent·e de propreté en hôtellerie[\s\S]*Hôtel Saône-Rive[\s\S]*Lyon 3e Arrondissement/);
    await page.goto(`${d.url}/#/entreprises/${state.company}`);
    await waitText(page, 'main', /Offres \(1\)[\s\S]*Agent·e de propreté en hôtellerie[\s\S]*24\/11\/2026[\s\S]*pourvue/);
    await waitText(page, 'main', /Propositions \(1\)[\s\S]*Agent·e de propreté en hôtellerie[\s\S]*Amina[\s\S]*embauche/);
    await page.goto(d.url + '/#/referents');
    await waitText(page, 'main .results', /Nadia Benali/);
    await page.getByRole('link', { name: 'Nadia Benali' }).click();
    await waitText(page, 'main', /Personnes orientées[\s\S]*Amina Diallo/);
    await page.getByText('Modifier le nom, la structure, le courriel').click();
    await page.getByLabel('Courriel').fill('nadia.benali@allies-plie.example');
    await page.getByRole('button', { name: 'Enregistrer les changements' }).click();
    await waitText(page, '#status', /Nadia Benali : fiche modifiée/);
    assert((await api('GET', '/v1/referents/1')).email === 'nadia.benali@allies-plie.example', 'the email is not saved');
  });

  await test('an offer closed, then reopened', async () => {
    const o = await api('POST', '/v1/offers', {
      company_id: state.company, title: 'Équipier·e de nuit', rome: 'K2204', commune: '69143', contract: 'CDD',
      duration_months: 3, weekly_hours: 20, schedule: ['night'],
    });
    await page.goto(`${d.url}/#/offres/${o.id}`);
    await page.getByRole('button', { name: 'Fermer l’offre' }).click();
    await waitText(page, 'main h1 + .sub', /offre fermée/);
    assert((await api('GET', `/v1/offers/${o.id}`)).status === 'closed', 'not closed');
    assert(await page.getByRole('button', { name: 'Proposer', exact: true }).isDisabled(), 'a closed offer can be proposed');
    await page.getByRole('button', { name: 'Rouvrir l’offre' }).click();
    await waitText(page, 'main h1 + .sub', /offre ouverte/);
    assert((await api('GET', `/v1/offers/${o.id}`)).status === 'open', 'not reopened');
  });

  await test('phone: the day’s pages fit a narrow screen', async () => {
    const phone = await person('téléphone', { width: 390, height: 844 }, { isMobile: true, hasTouch: true });
    try {
      await signIn(phone.page, ACCOUNTS.cm.login);
      for (const h of ['#/entreprises', `#/entreprises/${state.company}`, `#/offres/${state.offer}`,
        `#/propositions/${state.proposal}`, '#/candidats', '#/offres/nouvelle']) {
        await phone.page.goto(d.url + '/' + h);
        await phone.page.locator('main h1').waitFor();
        await phone.page.waitForLoadState('networkidle');
        const [sw, w] = await phone.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        assert(sw <= w, `${h}: ${sw}px wide on a ${w}px screen`);
        if (h === '#/offres/nouvelle') {
          // 69100: Villeurbanne's postal code, Irigny's INSEE code.
          await phone.page.getByRole('combobox', { name: 'Commune du poste' }).fill('69100');
          await waitText(phone.page, '[role="listbox"]:visible', /Villeurbanne[\s\S]*Irigny|Irigny[\s\S]*Villeurbanne/);
          await phone.page.getByRole('combobox', { name: 'Commune du poste' }).scrollIntoViewIfNeeded();
          await shot(phone.page, 'phone');
          await pick(phone.page, 'Commune du poste', '69100', /^Villeurbanne/);
          assert(await phone.page.locator('input[type="hidden"][name="commune"]').inputValue() === '69266', 'Villeurbanne is not 69266');
        }
      }
    } finally {
      await phone.ctx.close();
    }
  });

  await test('no console error, no CSP violation, nothing loaded from elsewhere', async () => {
    assert(problems.length === 0, problems.join('\n'));
  });
} finally {
  await browser.close();
  const rc = await stopDaemon(d);
  if (rc !== 0) R.fail(`iodd stopped with ${rc}:\n${d.log.slice(-30).join('\n')}`);
}

R.finish('e2e day');
