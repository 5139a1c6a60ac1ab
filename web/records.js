// records.js — what the pages do with the API's lists and records: a list
// read page by page from the server (its filters, « 50 sur 1 234 », the
// next and previous pages), every page of a small list, and the save of an
// edited record as a JSON Merge Patch under If-Match, where a change made
// meanwhile by someone else is said and offered to reload instead of
// being overwritten.  The pages own their columns and forms.

import { get, qs, patch, ApiError, errorParts } from './api.js';
import { h, table } from './ui.js';

const nf = new Intl.NumberFormat('fr-FR');

// Every item of a list, following next_cursor (a référent's proposals, a
// company's offers: lists that are small but must not stop at a page).
export async function getAll(path, params = {}) {
  const items = [];
  let cursor = null;
  do {
    const r = await get(path + qs({ ...params, limit: 1000, cursor }));
    items.push(...r.items);
    cursor = r.next_cursor ?? null;
  } while (cursor);
  return items;
}

// A list paged on the server.  path: '/v1/offers'; params(): the filters
// (empty values left out); nouns: ['offre', 'offres']; render(items): the
// node that shows a page (a table by default, from cols); after(items):
// called once a page is shown.  Returns
// {node, load}: load() reads the first page with the current filters.
export function pager({ path, params = () => ({}), cols, nouns, empty, render, after, limit = 50 }) {
  const count = h('p', { class: 'count', 'aria-live': 'polite' });
  const body = h('div', { class: 'results' });
  const prev = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Page précédente');
  const next = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Page suivante');
  const nav = h('nav', { class: 'pages', 'aria-label': `Pages des ${nouns[1]}` }, prev, next);
  const cursors = [];	// the cursor of each page shown before this one
  let here = null;
  let first = 0;	// how many items the pages before this one hold
  let sizes = [];
  let seq = 0;

  async function show(cursor) {
    const mine = ++seq;
    let r;
    try {
      r = await get(path + qs({ ...params(), limit, cursor }));
    } catch (e) {
      if (mine !== seq) return;
      count.textContent = '';
      body.replaceChildren(h('p', { class: 'field-error', role: 'alert' },
        e instanceof ApiError ? errorParts(e) : String(e)));
      throw e;
    }
    if (mine !== seq) return;	// a later request won the race
    const n = r.items.length;
    const total = r.total ?? null;
    const noun = (total ?? n) > 1 ? nouns[1] : nouns[0];
    let what;
    if (total === null) what = `${nf.format(n)} ${noun}`;
    else if (first === 0 && !r.next_cursor) what = `${nf.format(total)} ${noun}`;
    else if (first === 0) what = `${nf.format(n)} sur ${nf.format(total)} ${noun}`;
    else what = `${nf.format(first + 1)} à ${nf.format(first + n)} sur ${nf.format(total)} ${noun}`;
    const node = render ? await render(r.items) : table(what, cols, r.items, empty, { hideCaption: true });
    if (mine !== seq) return;
    count.textContent = n === 0 ? '' : what;
    body.replaceChildren(node);
    here = cursor;
    next.hidden = !r.next_cursor;
    next.onclick = () => { cursors.push(here); sizes.push(n); first += n; show(r.next_cursor).then(focusTop); };
    prev.hidden = cursors.length === 0;
    after?.(r.items);
  }
  function focusTop() { count.tabIndex = -1; count.focus(); }
  prev.onclick = () => {
    first -= sizes.pop();
    show(cursors.pop()).then(focusTop);
  };
  return {
    node: h('div', { class: 'paged' }, count, body, nav),
    load() { cursors.length = 0; sizes = []; first = 0; return show(null); },
  };
}

// A memo of fetch(id) for one page: the companies of a list of offers.
export function memo(fetch) {
  const m = new Map();
  return (id) => {
    if (!m.has(id)) m.set(id, fetch(id).catch(() => null));
    return m.get(id);
  };
}

// A filter form that reloads the list as one types (a pause of 300 ms),
// picks an option or a commune, or empties a commune, and on « Filtrer ».
export function liveFilters(form, load) {
  let t = null;
  const later = () => { clearTimeout(t); t = setTimeout(() => load().catch(() => {}), 300); };
  form.addEventListener('input', (ev) => {
    const combo = ev.target.getAttribute('role') === 'combobox';
    if (ev.target.type === 'search' || (combo && ev.target.value === '')) later();
  });
  form.addEventListener('change', (ev) => {
    if (ev.target.tagName === 'SELECT' || ev.target.getAttribute('role') === 'combobox') load().catch(() => {});
  });
}

// The values of a form as the list's query: empty ones left out.
// The text typed in a completing field is not a filter: its pick is.
export function formParams(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled || el.getAttribute('role') === 'combobox' || el.tagName === 'BUTTON') continue;
    const v = String(el.value ?? '').trim();
    if (v !== '') out[el.name] = v;
  }
  return out;
}

// Save an edited record: PATCH path with body under If-Match tag.etag, and
// keep the new version in tag.  A 412 (someone else changed the record
// meanwhile) puts, at the form's foot, what happened and a button that
// reloads the page with the record as it is now; nothing is overwritten.
export async function save(ctx, form, path, body, tag, reload) {
  try {
    const r = await patch(path, body, tag.etag);
    tag.etag = r.etag;
    return r.record;
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 412) throw e;
    const foot = form.querySelector('.form-foot') ?? form;
    foot.append(h('div', { class: 'field-error conflict', role: 'alert' },
      h('p', {}, 'Quelqu’un d’autre a modifié cette fiche pendant que vous la modifiiez : vos changements ne sont pas enregistrés.'),
      h('button', { type: 'button', class: 'secondary', onclick: reload }, 'Recharger la fiche')));
    return null;
  }
}
