// What the console's end-to-end runs share: the real iodd started on a
// free loopback port (with the demo dataset, a bootstrap token and a fixed
// day), the admin's API calls, a tiny test runner, Debian's Chromium in
// French, the watch for console errors, CSP violations and requests
// elsewhere, and the helpers that read and fill pages as a person does.

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const SOCIAL = /(?<![\p{L}\p{N}])(rsa|deld|rqth|qpv|réfugiée?s?|refugee|justice|bénéficiaires?|handicap\p{L}*|single_parent|parent isolé|senior)(?![\p{L}\p{N}])/iu;

// BUILD and SHOTS (null without --screenshots) from the command line.
export function options(argv = process.argv.slice(2)) {
  const at = argv.indexOf('--screenshots');
  if (at >= 0) mkdirSync(path.resolve(ROOT, argv[at + 1] ?? 'docs'), { recursive: true });
  return {
    BUILD: path.resolve(ROOT, argv.find((a) => !a.startsWith('--')) ?? 'build'),
    SHOTS: at >= 0 ? path.resolve(ROOT, argv[at + 1] ?? 'docs') : null,
  };
}

// A fresh store in a temporary folder, removed when the process ends.
export function tempData(prefix) {
  const data = mkdtempSync(path.join(tmpdir(), prefix));
  process.on('exit', () => rmSync(data, { recursive: true, force: true }));
  return data;
}

// ---- the daemon --------------------------------------------------------------

// Start BUILD/iodd on the store under data, on `today`; resolves to
// {proc, port, data, log, url} once it listens.
export function startDaemon({ build, data, token, today, port = 0 }) {
  const proc = spawn(path.join(build, 'iodd'), [
    '--config', 'etc/iod.yaml', '--data', path.join(data, 'store'), '--listen', `127.0.0.1:${port}`,
    '--refdata', 'data', '--demo', 'demo', '--web', 'web',
  ], { cwd: ROOT, env: { ...process.env, IOD_BOOTSTRAP_TOKEN: token, IOD_TODAY: today }, stdio: ['ignore', 'ignore', 'pipe'] });
  const log = [];
  // Whatever ends this process ends the daemon too.
  process.on('exit', () => { if (proc.exitCode === null) proc.kill('SIGKILL'); });
  return new Promise((resolve, reject) => {
    let buf = '';
    let bound = null;
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        log.push(line);
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(line);
        if (m && bound === null) {
          bound = Number(m[1]);
          resolve({ proc, port: bound, data, log, url: `http://127.0.0.1:${bound}` });
        }
      }
    });
    proc.on('exit', (code) => {
      if (bound === null) reject(new Error(`iodd exited (${code}) before listening:\n${log.join('\n')}`));
    });
  });
}

// SIGTERM, and the exit status (or signal) once it has stopped.
export async function stopDaemon(x) {
  if (x.proc.exitCode !== null) return x.proc.exitCode;
  const done = new Promise((res) => x.proc.on('exit', (code, sig) => res(code ?? sig)));
  x.proc.kill('SIGTERM');
  return done;
}

// One API call with a bearer token: the parsed reply, or an Error naming
// the status and the body.
export async function request(d, method, p, body, token, type = 'application/json') {
  const r = await fetch(d.url + p, {
    method,
    headers: { Authorization: 'Bearer ' + token, ...(body ? { 'Content-Type': type } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGPIPE']) process.on(sig, () => process.exit(1));

// A SIRET with a valid Luhn checksum: the 13 digits given and the 14th.
export function siret(head) {
  for (let c = 0; c < 10; c++) {
    const s = head + c;
    let sum = 0;
    for (let i = 0; i < 14; i++) {
      let n = Number(s[13 - i]) * (i % 2 ? 2 : 1);
      if (n > 9) n -= 9;
      sum += n;
    }
    if (sum % 10 === 0) return s;
  }
  throw new Error('no checksum');
}

// ---- a tiny test runner ------------------------------------------------------

// {test(name, fn), fail(line), passed, failed, finish(label)}: one line a
// test; finish prints "LABEL: N passed, M failed" and exits 1 on a failure.
export function runner() {
  const r = {
    passed: 0,
    failed: 0,
    failures: [],
    async test(name, fn) {
      const t0 = Date.now();
      try {
        await fn();
        r.passed++;
        console.log(`ok     ${name} (${Date.now() - t0} ms)`);
      } catch (e) {
        r.failed++;
        r.failures.push(name);
        console.log(`FAILED ${name}\n    ${String(e?.stack ?? e).split('\n').slice(0, 6).join('\n    ')}`);
      }
    },
    fail(line) { r.failed++; console.log(`FAILED ${line}`); },
    finish(label) {
      console.log(`${label}: ${r.passed} passed, ${r.failed} failed`);
      if (r.failed) console.log('failed: ' + r.failures.join(', '));
      process.exit(r.failed ? 1 : 0);
    },
  };
  return r;
}

export function assert(cond, msg) { if (!cond) throw new Error(msg); }

// ---- the browser ---------------------------------------------------------------

// Debian's Chromium, headless, in French (French date inputs).
export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    env: { ...process.env, LANG: 'fr_FR.UTF-8', LANGUAGE: 'fr' },
    args: ['--headless', '--no-sandbox', '--lang=fr-FR', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// Record in problems what a page must never do: a console error (an
// API refusal the page shows is not one), an uncaught error, a 403 (a
// page must not ask for what its role may not have), a request to
// anywhere but the daemon at base().
export function watch(page, problems, base, who = null) {
  const tag = who ? `${who}: ` : '';
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of (400|401|403|404|409|412)/.test(m.text()))
      problems.push(`${tag}console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${tag}page error: ${e.message}`));
  page.on('response', (r) => { if (r.status() === 403) problems.push(`${tag}403 for ${r.url()}`); });
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(base() + '/') && !u.startsWith('blob:') && !u.startsWith('data:'))
      problems.push(`${tag}request elsewhere: ${u}`);
  });
}

// Wait until the text of selector matches re (Playwright's locators wait
// for elements; this waits for their content).
export async function waitText(page, selector, re, timeout = 8000) {
  const end = Date.now() + timeout;
  let last = '';
  for (;;) {
    const loc = page.locator(selector);
    if (await loc.count()) {
      last = (await loc.allInnerTexts()).join('\n');
      if (re.test(last)) return last;
    }
    if (Date.now() > end) throw new Error(`${selector}: ${re} not found in «${last.slice(0, 600)}»`);
    await page.waitForTimeout(50);
  }
}

// A value the page printed without meaning to, in selector's text.
export async function noValueJunk(page, where, selector = 'body') {
  const text = await page.locator(selector).innerText();
  const m = /(?:^|\s)(null|undefined|NaN|true|false|\[object \w+\])(?:\s|$)/.exec(text);
  assert(!m, `${where}: «${m?.[1]}» printed on the page`);
  return text;
}

// A screenshot as DIR/PREFIX-name.png when shots is a folder.
export async function screenshot(shots, prefix, page, name, opts = {}) {
  if (!shots) return;
  await page.evaluate(() => { document.getElementById('status').textContent = ''; });
  await page.screenshot({ path: path.join(shots, `${prefix}-${name}.png`), ...opts });
}

// Type into a completing field and pick the option whose text matches re;
// returns the texts of every option offered.
export async function pick(page, label, typed, re) {
  const box = page.getByRole('combobox', { name: label });
  await box.fill(typed);
  const list = page.locator(`#${await box.getAttribute('aria-controls')}`);
  await list.getByRole('option', { name: re }).first().waitFor();
  const offered = await list.getByRole('option').allInnerTexts();
  await list.getByRole('option', { name: re }).first().click();
  return offered;
}
