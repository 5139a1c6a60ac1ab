// The method's own pages, end to end in Debian's Chromium against the real
// iodd with the demo dataset, signed in with the demo's accounts: an API
// error said in French beside its field (the English detail folded
// away), the commune picker that offers Lyon's arrondissements rather
// than Lyon as a whole, a positionnement session whose expressed interest
// changes who is proposed (« intérêt exprimé +N » in the why), the
// proposal replayed (« même résultat »), the team page's stalled people
// with their reasons, the week read to its last page, and the référent's
// private calendar link.
//
//   node tests/e2e/method.mjs BUILD [--screenshots DIR]
//
// Prints one line per test and "e2e method: N passed, M failed"; exits 1
// if anything failed.  With --screenshots, writes DIR/console-method-*.png.

import {
  options, tempData, startDaemon, stopDaemon, request, runner, assert, launch, watch,
  waitText, noValueJunk, screenshot, pick,
} from './lib.mjs';

const { BUILD, SHOTS } = options();
const ADMIN = 'e2e-method-admin-token-0123456789';
const DEMO_PW = 'iod-demo-2026';	// the demo's accounts (README)
const R = runner();
const { test } = R;
const shot = (page, name, opts) => screenshot(SHOTS, 'console-method', page, name, opts);

const d = await startDaemon({ build: BUILD, data: tempData('iod-e2e-method-'), token: ADMIN, today: '2026-11-24' });
const api = (method, p, body) => request(d, method, p, body, ADMIN);
const browser = await launch();
const problems = [];

async function person(who) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  const page = await ctx.newPage();
  page.setDefaultTimeout(10000);
  watch(page, problems, () => d.url, who);
  return page;
}

async function signIn(page, login) {
  await page.goto(d.url + '/');
  await page.getByLabel('Identifiant').fill(login);
  await page.getByLabel('Mot de passe').fill(DEMO_PW);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.locator('#nav a').first().waitFor();
}

const page = await person('chargé de mission');
const state = {};

try {
  await test('an API error in French beside its field, the English detail folded away', async () => {
    await signIn(page, 'cm-martin');
    await page.goto(`${d.url}/#/entreprises/nouvelle`);
    await page.getByLabel('Raison sociale').fill('Boulangerie du Plateau');
    await page.getByLabel('SIRET').fill('12345678901234');
    await pick(page, 'Commune de l’établissement', 'caluire', /Caluire/);
    await page.getByRole('button', { name: 'Enregistrer l’entreprise' }).click();
    const box = '.field:has([name="siret"]) .field-error';
    const err = await waitText(page, box, /Le SIRET : « 12345678901234 » n’est pas un SIRET valide \(14 chiffres, clé de contrôle\)\./);
    assert(!/is not|expected/.test(err), `English shown before the disclosure: ${err}`);
    await page.locator(`${box} summary`, { hasText: 'détail' }).click();
    await waitText(page, `${box} details[open]`, /invalid · siret — siret: "12345678901234" is not a valid SIRET/);
    await shot(page, 'error-fr', { clip: await page.locator('.field:has([name="siret"])').boundingBox() });
  });

  await test('the commune picker: Lyon’s arrondissements, not Lyon as a whole (69123)', async () => {
    const lyon = (await api('GET', '/v1/refdata/communes?q=lyon&limit=100')).items;
    assert(lyon.some((c) => c.insee === '69123' && c.territory == null), 'the API no longer finds Lyon as a whole');
    await page.goto(`${d.url}/#/offres/nouvelle`);
    const offered = await pick(page, 'Commune du poste', 'lyon', /^Lyon 3e Arrondissement/);
    assert(offered.some((t) => /^Lyon 1er Arrondissement/.test(t)), offered.join(' | '));
    assert(!offered.some((t) => /^Lyon —/.test(t)), `Lyon as a whole offered: ${offered.join(' | ')}`);
    const o2 = await pick(page, 'Commune du poste', '69003', /^Lyon 3e Arrondissement/);
    assert(!o2.some((t) => /^Lyon —/.test(t)), o2.join(' | '));
    assert(o2.some((t) => /^Albigny-sur-Saône/.test(t)), `the commune whose INSEE code is 69003: ${o2.join(' | ')}`);
  });

  await test('positionnement: an interest said at a session changes who is proposed', async () => {
    // An open offer whose second-ranked person is close enough to the first
    // for the interest's weight (20 in iod-plie, 25 in mission-locale).
    const offers = (await api('GET', '/v1/offers?status=open&limit=1000')).items;
    for (const o of offers) {
      const r = await api('GET', `/v1/offers/${o.id}/candidates?limit=2`);
      if (r.candidates.length === 2 && r.candidates[0].score - r.candidates[1].score < 20) {
        state.offer = o;
        state.first = r.candidates[0];
        state.second = r.candidates[1];
        break;
      }
    }
    assert(state.offer, 'no open offer with two people within 20 points in the demo');
    const b = await api('GET', `/v1/candidates/${state.second.candidate_id}`);
    state.b = b;
    await page.goto(`${d.url}/#/positionnement`);
    await waitText(page, 'main h1', /Positionnement/);
    await page.getByLabel('Séance', { exact: true }).fill('Réunion d’information du 24/11 (e2e)');
    await pick(page, 'Offres présentées', state.offer.title.split(/\s+/)[0], new RegExp(`^${state.offer.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await pick(page, 'Personnes présentes', b.last_name, new RegExp(`^${b.first_name} ${b.last_name}`));
    await page.getByRole('button', { name: 'Ouvrir la grille de la séance' }).click();
    const box = page.getByRole('checkbox', { name: `${b.first_name} ${b.last_name} intéressé·e par « ${state.offer.title} »` });
    await box.check();
    await waitText(page, '#status', /Intérêt de .* enregistré/);
    await shot(page, 'positionnement');
    const list = await api('GET', `/v1/offers/${state.offer.id}/interests`);
    assert(list.items.some((i) => i.candidate_id === b.id && i.on === '2026-11-24' && /e2e/.test(i.session)), JSON.stringify(list));
    // The offer's page lists the interest; « Proposer » now picks her or him.
    await page.goto(`${d.url}/#/offres/${state.offer.id}`);
    await waitText(page, 'section:has(#o-interests)', new RegExp(`${b.first_name} ${b.last_name}[\\s\\S]*24/11/2026[\\s\\S]*e2e`));
    await page.getByRole('button', { name: 'Proposer', exact: true }).click();
    const why = await waitText(page, '.explain', new RegExp(`Proposition n° \\d+ : ${b.first_name}`));
    assert(/intérêt exprimé \+\d+/.test(why), why);
    assert(state.first.candidate_id !== b.id, 'the same person was first already');
    state.proposal = Number(/Proposition n° (\d+)/.exec(why)[1]);
    await noValueJunk(page, 'offer page', 'main');
  });

  await test('the proposal replayed: « même résultat »', async () => {
    await page.goto(`${d.url}/#/propositions/${state.proposal}`);
    await page.getByRole('button', { name: 'Rejouer' }).click();
    await waitText(page, 'section[aria-label="Rejouer la proposition"]', /même résultat — règle [\w-]+, version \d+ ; personne n° \d+, \d+ points/);
  });

  await test('the team page: a stalled person, with the reasons in words', async () => {
    const stalled = (await api('GET', '/v1/candidates?stalled=true&limit=1000')).items;
    assert(stalled.length > 0, 'nobody stalled in the demo');
    await page.goto(`${d.url}/#/equipe`);
    await waitText(page, 'main', new RegExp(`Sans proposition \\(${stalled.length}\\)`));
    const withReasons = stalled.find((c) => Object.keys(c.stalled.reasons ?? {}).length);
    const c = withReasons ?? stalled[0];
    const row = await page.locator('main tr', { hasText: `${c.first_name} ${c.last_name}` }).first().innerText();
    assert(new RegExp(`${c.stalled.days}`).test(row), row);
    assert(withReasons ? /\S+ : \d+ offres?/.test(row) : /aucune offre ouverte/.test(row), row);
    assert(!/\b(hours|schedule|licence|rome|contract|availability)\b/.test(row), `raw filter codes: ${row}`);
  });

  await test('the référent’s page: their « Mon agenda » link, readable without a header', async () => {
    const rp = await person('référent');
    await signIn(rp, 'n.benali');
    await waitText(rp, 'main', /Mon agenda/);
    await rp.getByRole('button', { name: 'Créer mon lien d’abonnement' }).click();
    const url = await rp.locator('#cal-url').inputValue();
    assert(/^http:\/\/127\.0\.0\.1:\d+\/cal\/[^/]+\.ics$/.test(url), url);
    const r = await fetch(url);
    const body = await r.text();
    assert(r.status === 200 && /^BEGIN:VCALENDAR/.test(body), `${r.status} ${body.slice(0, 200)}`);
    const mine = (await api('GET', '/v1/calendars')).items.filter((c) => c.referent_id === 1);
    assert(mine.length === 1, JSON.stringify(mine));
    await shot(rp, 'referent-calendar', { clip: await rp.locator('section.calendar').boundingBox() });
  });

  await test('the week follows the cursor: every appointment, however small the pages', async () => {
    // The proposal hired, started three weeks ago: its follow-ups fill the
    // week and the overdue list.
    await api('POST', `/v1/proposals/${state.proposal}/meeting`, { meeting: { at: '2026-11-24T16:00', place: 'Au poste' } });
    await api('POST', `/v1/proposals/${state.proposal}/hire`, { contract: state.offer.contract, start_on: '2026-11-02' });
    const wk = (await api('GET', '/v1/followups?due_from=2026-11-23&due_before=2026-11-30&limit=1000')).items;
    const late = (await api('GET', '/v1/followups?overdue=true&due_before=2026-11-23&limit=1000')).items;
    assert(wk.length + late.length >= 2, `too few follow-ups: ${wk.length} + ${late.length}`);
    // The server made to answer one follow-up a page: the page must follow next_cursor.
    await page.route(/\/v1\/followups\?/, (route) => {
      const u = new URL(route.request().url());
      u.searchParams.set('limit', '1');
      return route.continue({ url: u.href });
    });
    await page.goto(`${d.url}/#/suivi/2026-11-23`);
    await waitText(page, 'main h1', /Suivi : semaine du lundi 23 novembre/);
    await page.locator('li.appt').first().waitFor();
    const shown = await page.locator('main li.appt').count();
    await page.unroute(/\/v1\/followups\?/);
    assert(shown === wk.length + late.length, `${shown} shown, ${wk.length} this week and ${late.length} overdue`);
  });

  await test('no console error, no CSP violation, nothing loaded from elsewhere', async () => {
    assert(problems.length === 0, problems.join('\n'));
  });
} finally {
  await browser.close();
  const rc = await stopDaemon(d);
  if (rc !== 0) R.fail(`iodd stopped with ${rc}:\n${d.log.slice(-30).join('\n')}`);
}

R.finish('e2e method');
