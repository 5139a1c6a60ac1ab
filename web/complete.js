// complete.js — fields that complete what one types from the reference
// data: a commune by its name or postal code (GET /v1/refdata/communes?q=,
// every match offered: 69003 is Lyon 3e's postal code and
// Albigny-sur-Saône's INSEE code), a trade by words (GET
// /v1/refdata/rome?q=).  The form sends the codes the API takes, in hidden
// inputs; nobody is asked for an INSEE code.  An ARIA combobox: arrows,
// Enter and Escape on the keyboard, a tap or a click on a phone or a
// laptop.

import { get, qs } from './api.js';
import { h } from './ui.js';

let seq = 0;

// label; names: the hidden inputs' names (['commune']); search(q) -> items;
// show(item) -> its text; values(item) -> {name: code}; initial: {text,
// values}; multiple: each pick is added to a list of chosen ones (names
// then has one entry, sent once per pick); onPick(item); chosen(item): the
// text the field keeps once the item is picked (show(item) by default).
export function complete({ label, names, search, show, values, initial = null, required = false,
  hint = null, multiple = false, onPick = null, placeholder = null, chosen = show }) {
  const id = `cb-${++seq}`;
  const listId = id + '-list';
  const hintId = hint ? id + '-hint' : null;
  const input = h('input', {
    id, type: 'text', role: 'combobox', autocomplete: 'off', spellcheck: 'false',
    name: names[0] + '_q', 'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': listId,
    'aria-describedby': hintId, placeholder, required: required && !multiple,
    value: multiple ? '' : initial?.text ?? '',
  });
  const list = h('ul', { id: listId, role: 'listbox', class: 'options', hidden: true, 'aria-label': 'Choix possibles' });
  const hidden = multiple ? h('span', { class: 'chosen' })
    : h('span', { class: 'values' }, names.map((n) => h('input', { type: 'hidden', name: n, value: initial?.values?.[n] ?? '' })));
  const box = h('div', { class: 'field complete' },
    h('label', { for: id }, label), input, hidden, list, hint && h('small', { id: hintId }, hint));
  let items = [];
  let active = -1;
  let picked = Boolean(initial?.text) || !required;
  let t = null;
  let asked = 0;

  function chip(text, vals) {
    const b = h('button', { type: 'button', class: 'chip', 'aria-label': `Retirer ${text}` },
      text, h('span', { 'aria-hidden': 'true' }, ' ×'));
    const span = h('span', { class: 'chip-box' }, b,
      Object.entries(vals).map(([n, v]) => h('input', { type: 'hidden', name: n, value: v })));
    b.addEventListener('click', () => { span.remove(); input.focus(); });
    hidden.append(span);
  }
  if (multiple) for (const c of initial ?? []) chip(c.text, c.values);

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }
  function mark(i) {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute('aria-selected', String(j === i)));
    if (i >= 0 && list.children[i]?.id) {
      input.setAttribute('aria-activedescendant', list.children[i].id);
      list.children[i].scrollIntoView({ block: 'nearest' });
    }
  }
  function pick(i) {
    const it = items[i];
    if (!it) return;
    const vals = values(it);
    if (multiple) {
      chip(chosen(it), vals);
      input.value = '';
    } else {
      for (const [n, v] of Object.entries(vals)) {
        const el = hidden.querySelector(`input[name="${n}"]`);
        if (el) el.value = v ?? '';
      }
      input.value = chosen(it);
      picked = true;
      input.setCustomValidity('');
    }
    close();
    onPick?.(it);
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }
  async function ask() {
    const q = input.value.trim();
    const mine = ++asked;
    if (q.length < 2) { close(); return; }
    let r = [];
    try { r = await search(q); } catch (_) { r = []; }
    if (mine !== asked) return;
    items = r.slice(0, 30);
    list.replaceChildren(...(items.length ? items.map((it, i) => {
      const li = h('li', { id: `${id}-o${i}`, role: 'option', 'aria-selected': 'false' }, show(it));
      li.addEventListener('mousedown', (ev) => { ev.preventDefault(); pick(i); });
      return li;
    }) : [h('li', { class: 'none', role: 'option', 'aria-disabled': 'true' }, 'Aucune correspondance.')]));
    if (!items.length) items = [];
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    mark(items.length === 1 ? 0 : -1);
  }

  input.addEventListener('input', () => {
    if (!multiple) {
      for (const el of hidden.querySelectorAll('input')) el.value = '';
      picked = input.value.trim() === '' && !required;
      input.setCustomValidity(picked || input.value.trim() === '' ? '' : 'Choisissez dans la liste.');
    }
    clearTimeout(t);
    t = setTimeout(ask, 150);
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      if (list.hidden) { ask(); return; }
      const n = items.length;
      if (!n) return;
      mark(ev.key === 'ArrowDown' ? (active + 1) % n : (active - 1 + n) % n);
    } else if (ev.key === 'Enter' && !list.hidden) {
      ev.preventDefault();
      if (active >= 0) pick(active);
    } else if (ev.key === 'Escape' && !list.hidden) {
      ev.preventDefault();
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
  return box;
}

// « Lyon 3e Arrondissement — 69003 · Lyon »; a commune found by its INSEE
// code says so (« Albigny-sur-Saône — 69250 · Val de Saône (code commune
// 69003) »), since that code is another commune's postal code.
export const communeText = (c) => `${c.name} — ${(c.postal_codes ?? []).join(', ')}${c.territory ? ' · ' + c.territory : ''}`
  + (c.matched === 'insee' ? ` (code commune ${c.insee})` : '');

// A commune field: the INSEE code goes in the hidden input name.  rec: the
// record being edited ({commune, commune_name}), if any.  A record's
// commune is one of a territory: Lyon as a whole (69123), which the API
// accepts (spreadsheets carry it) but which no territory of the rule sets
// holds, would match only itself in the mobility zones, so the forms offer
// its arrondissements instead; a list's filter (anywhere: true) offers
// every commune, since records imported with 69123 must stay findable.
export function communeField(label, name, rec = null, { required = true, hint = 'Le nom de la commune ou son code postal.', anywhere = false } = {}) {
  return complete({
    label, names: [name], required, hint,
    search: async (q) => (await get('/v1/refdata/communes' + qs({ q }))).items
      .filter((c) => anywhere || c.territory),
    show: communeText,
    chosen: (c) => (c.postal_codes?.length === 1 ? `${c.name} (${c.postal_codes[0]})` : c.name),
    values: (c) => ({ [name]: c.insee }),
    initial: rec?.[name] ? { text: rec[name + '_name'] ?? rec.commune_name ?? rec[name], values: { [name]: rec[name] } } : null,
  });
}

// « Agent / Agente de propreté (K2204 · Nettoyage de locaux) »
export function romeText(r) {
  return r.appellation_label ? `${r.appellation_label} (${r.rome} · ${r.label})` : `${r.label} (${r.rome})`;
}

// An offer's trade: the ROME code and, when one was picked, the appellation.
export function tradeField(label, rec = null) {
  return complete({
    label, names: ['rome', 'appellation'], required: true,
    hint: 'Des mots du métier : « propreté », « cuisine », « cariste »…',
    search: async (q) => (await get('/v1/refdata/rome' + qs({ q }))).items,
    show: romeText,
    chosen: (r) => `${r.appellation_label ?? r.label} (${r.rome})`,
    values: (r) => ({ rome: r.rome, appellation: r.appellation ?? '' }),
    initial: rec?.rome ? {
      text: `${rec.appellation_label ?? rec.rome_label ?? rec.rome} (${rec.rome})`,
      values: { rome: rec.rome, appellation: rec.appellation ?? '' },
    } : null,
  });
}

// A person's trades: several ROME codes, each picked by words.
export function tradesField(label, rec = null) {
  return complete({
    label, names: ['rome'], multiple: true,
    hint: 'Des mots du métier ; choisissez-en un ou plusieurs.',
    search: async (q) => {
      const seen = new Set();
      return (await get('/v1/refdata/rome' + qs({ q }))).items.filter((r) => !seen.has(r.rome) && seen.add(r.rome));
    },
    show: (r) => `${r.label} (${r.rome})`,
    values: (r) => ({ rome: r.rome }),
    initial: (rec?.rome ?? []).map((r, i) => ({ text: `${rec.rome_labels?.[i] ?? r} (${r})`, values: { rome: r } })),
  });
}
