// api.js — the console's only way to the daemon: fetch() with the session
// cookie (HttpOnly: set by POST /v1/session, never readable here) and, on
// writes, the session's CSRF token as X-CSRF-Token; JSON in and out, errors
// as ApiError ({code, field, message} as the API sends them), shown next to
// the input the error names; and the event stream (Server-Sent Events read
// through fetch, as the rest).

// What an error code means, in French (fr.js's errorSentence adds the
// field and what was expected, from the API's English message).  The
// daemon's table of errors (GET /v1/errors, public) is read once at start;
// only the network's failure, which no reply can name, is said here.
import { errorSentence } from './fr.js';

const FR = { network: 'Le serveur ne répond pas.' };
const errorsRead = fetch('/v1/errors', { headers: { Accept: 'application/json' } })
  .then((r) => (r.ok ? r.json() : { items: [] }))
  .then((j) => { for (const e of j.items) FR[e.code] = e.fr; })
  .catch(() => { /* the status alone will be said */ });

export class ApiError extends Error {
  constructor(status, code, field, message) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.fr = FR[code] ?? `Erreur ${status}.`;
  }
}

// The session's CSRF token, from POST /v1/session or GET /v1/whoami: every
// write carries it.  It lives in memory only; the cookie is the browser's.
let csrf = null;
export const session = {
  setCsrf: (c) => { csrf = c ?? null; },
  clear: () => { csrf = null; },
};

// Called on a 401: the session is unknown, signed out or expired.
let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

function headers(extra, method = 'GET') {
  const h = { Accept: 'application/json', ...extra };
  if (csrf && method !== 'GET' && method !== 'HEAD') h['X-CSRF-Token'] = csrf;
  return h;
}

async function fail(r) {
  await errorsRead;
  let e = null;
  try { e = (await r.json()).error; } catch (_) { /* not JSON */ }
  if (r.status === 401) onUnauthorized();
  return new ApiError(r.status, e?.code ?? 'http_' + r.status, e?.field ?? null,
    e?.message ?? `Erreur ${r.status}`);
}

// method, path ('/v1/...'), optional body (sent as JSON).  Resolves to the
// parsed reply (null for 204), rejects with an ApiError.
export async function api(method, path, body) {
  let r;
  try {
    r = await fetch(path, {
      method,
      headers: headers(body !== undefined ? { 'Content-Type': 'application/json' } : {}, method),
      body: body !== undefined ? JSON.stringify(body) : undefined,
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'network', null, e.message);
  }
  if (!r.ok) throw await fail(r);
  return r.status === 204 ? null : r.json();
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body);
export const del = (path) => api('DELETE', path);

// Sign in with a login and a password: the reply (who, and the csrf) once
// the cookie is set.  A refusal is an ApiError naming the password field.
export async function signIn(login, password) {
  const me = await api('POST', '/v1/session', { login, password });
  csrf = me.csrf;
  return me;
}

// Sign out: the session is revoked and the cookie cleared.
export async function signOut() {
  try { await api('DELETE', '/v1/session'); } finally { csrf = null; }
}

// GET a path as a Blob (a CSV export).
export async function getBlob(path) {
  const r = await fetch(path, { headers: headers({ Accept: '*/*' }), credentials: 'same-origin', cache: 'no-store' });
  if (!r.ok) throw await fail(r);
  return r.blob();
}

// Build a query string from an object, leaving out empty values.
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') u.set(k, v);
  const s = u.toString();
  return s ? '?' + s : '';
}

// ---- errors next to their field --------------------------------------------

export function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error')) el.remove();
  for (const el of form.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    el.removeAttribute('aria-describedby');
  }
}

let errorSeq = 0;

// "mobility.zone" -> "mobility", "rome[2]" -> "rome", "rome" -> null.
function parent(f) {
  const i = Math.max(f.lastIndexOf('.'), f.lastIndexOf('['));
  return i > 0 ? f.slice(0, i) : null;
}

// An error as what the console shows of it: one French sentence (fr.js's
// errorSentence) and, for support, the API's English message folded in a
// « détail » disclosure.
export function errorParts(err) {
  const parts = [errorSentence(err)];
  if (err.message && err.code) {
    const d = document.createElement('details');
    d.className = 'detail';
    d.append(Object.assign(document.createElement('summary'), { textContent: 'détail' }),
      Object.assign(document.createElement('span'), { lang: 'en', textContent: `${err.code}${err.field ? ' · ' + err.field : ''} — ${err.message}` }));
    parts.push(' ', d);
  }
  return parts;
}

// Show err beside the input whose name is the error's field ("meeting.at"
// falls back to "meeting"), or at the form's foot when none matches, as
// errorParts says it.
// aliases maps an API field to an input's name ({Authorization: 'token'}).
export function showError(form, err, aliases = {}) {
  clearErrors(form);
  let field = err.field ? (aliases[err.field] ?? err.field) : null;
  let target = null;
  while (field && !target) {
    target = form.querySelector(`[name="${CSS.escape(field)}"]`);
    if (!target) field = parent(field);
  }
  const p = document.createElement('p');
  p.className = 'field-error';
  p.id = 'err-' + (++errorSeq);
  p.setAttribute('role', 'alert');
  p.append(...errorParts(err));
  if (target) {
    const box = target.closest('.field') ?? target;
    box.append(p);
    target.setAttribute('aria-invalid', 'true');
    target.setAttribute('aria-describedby', p.id);
    if (target.focus) target.focus();
  } else {
    (form.querySelector('.form-foot') ?? form).append(p);
  }
  return p;
}

// Run fn (async) on submit with the form's errors cleared first and shown
// next to their field when fn throws an ApiError; the submit button is
// disabled meanwhile.
export function onSubmit(form, fn, aliases) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const buttons = [...form.querySelectorAll('button')].filter((b) => !b.disabled);
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await fn(new FormData(form), ev.submitter);
    } catch (e) {
      if (e instanceof ApiError) showError(form, e, aliases);
      else showError(form, { field: null, message: String(e) });
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
}

// ---- the event stream -----------------------------------------------------

// Read GET /v1/events/stream from `after` (0: from the start) and call
// onEvent(event) for each, reconnecting with Last-Event-ID after a drop
// (3 s later, or what the server's retry: says).  Returns a function that
// stops it.  onState('live'|'retry'|'error', detail) tells how it goes.
export function stream(after, onEvent, onState = () => {}) {
  let last = String(after);
  let stopped = false;
  let ctrl = null;
  let wait = 3000;

  async function once() {
    ctrl = new AbortController();
    const r = await fetch('/v1/events/stream' + (last === '0' ? '?after=0' : ''), {
      headers: headers(last === '0' ? { Accept: 'text/event-stream' }
        : { Accept: 'text/event-stream', 'Last-Event-ID': last }),
      signal: ctrl.signal,
      credentials: 'same-origin',
      cache: 'no-store',
    });
    if (!r.ok) throw await fail(r);
    onState('live');
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value.replace(/\r\n?/g, '\n');
      let cut;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        let id = null;
        const data = [];
        for (const line of frame.split('\n')) {
          if (line.startsWith(':') || line === '') continue;
          const i = line.indexOf(':');
          const k = i < 0 ? line : line.slice(0, i);
          const v = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
          if (k === 'id') id = v;
          else if (k === 'data') data.push(v);
          else if (k === 'retry' && /^\d+$/.test(v)) wait = Number(v);
        }
        if (id !== null) last = id;
        if (data.length) {
          try { onEvent(JSON.parse(data.join('\n'))); } catch (_) { /* skip */ }
        }
      }
    }
  }

  (async () => {
    while (!stopped) {
      try {
        await once();
        if (!stopped) onState('retry');
      } catch (e) {
        if (stopped) break;
        onState('error', e);
        if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 429)
          break;
      }
      await new Promise((res) => setTimeout(res, wait));
    }
  })();
  return () => { stopped = true; if (ctrl) ctrl.abort(); };
}

// ---- one record and its version (ETag, If-Match) -------------------------------

// GET one record with its version: {record, etag}.
export async function getTagged(path) {
  let r;
  try {
    r = await fetch(path, { headers: headers(), credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'network', null, e.message);
  }
  if (!r.ok) throw await fail(r);
  return { record: await r.json(), etag: r.headers.get('ETag') };
}

// PATCH a record with a JSON Merge Patch (RFC 7396) under If-Match: the
// version it was read at, so that a change made meanwhile by someone else
// is refused (412 precondition_failed) rather than overwritten.  Resolves
// to {record, etag}.
export async function patch(path, body, etag) {
  const extra = { 'Content-Type': 'application/merge-patch+json' };
  if (etag) extra['If-Match'] = etag;
  let r;
  try {
    r = await fetch(path, { method: 'PATCH', headers: headers(extra, 'PATCH'), body: JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'network', null, e.message);
  }
  if (!r.ok) throw await fail(r);
  return { record: await r.json(), etag: r.headers.get('ETag') };
}
