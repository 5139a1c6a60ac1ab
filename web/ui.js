// ui.js — the few DOM builders the pages share: h() for an element (text
// only: nothing is ever parsed as HTML), labelled form fields, tables and
// definition lists.  No state, no framework.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'selected') el[k] = Boolean(v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

let seq = 0;
const uid = (name) => `f-${String(name).replace(/[^a-z0-9]/gi, '-')}-${++seq}`;

// <div class="field"><label>…</label><input name=…><small>hint</small></div>
export function field(label, name, attrs = {}, hint = null) {
  const id = uid(name);
  const hintId = hint ? id + '-hint' : null;
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h(attrs.tag ?? 'input', { ...attrs, tag: null, id, name, 'aria-describedby': hintId }),
    hint && h('small', { id: hintId }, hint));
}

// A <select> field from {value: label}; empty: the label of a first empty
// option ("tous"), or null for none.
export function select(label, name, options, { value = '', empty = null, required = false } = {}) {
  const id = uid(name);
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('select', { id, name, required },
      empty !== null && h('option', { value: '' }, empty),
      Object.entries(options).map(([v, l]) => h('option', { value: v, selected: String(v) === String(value) }, l))));
}

// A group of checkboxes named name, from {value: label}.
export function checks(legend, name, options, checked = []) {
  return h('fieldset', { class: 'field checks', name },
    h('legend', {}, legend),
    Object.entries(options).map(([v, l]) => {
      const id = uid(name + '-' + v);
      return h('span', { class: 'check' },
        h('input', { type: 'checkbox', id, name, value: v, checked: checked.includes(v) }),
        h('label', { for: id }, l));
    }));
}

// A table in a scrolling box: cols [{label, cell(row) -> node|text}].
// A caption that only repeats the heading above is for screen readers
// (hideCaption).
export function table(caption, cols, rows, empty = 'Rien à afficher.', { hideCaption = false } = {}) {
  if (!rows.length) return h('p', { class: 'empty' }, empty);
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', {},
      h('caption', { class: hideCaption ? 'sr-only' : null }, caption),
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, cols.map((c, i) =>
        i === 0 ? h('th', { scope: 'row' }, c.cell(r)) : h('td', { class: c.num ? 'num' : null }, c.cell(r))))))));
}

// A definition list from [[term, value], …], leaving out empty values.
export function dl(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

// A page's title, and a line under it.
export function title(text, sub = null) {
  return sub ? [h('h1', { tabindex: '-1' }, text), h('p', { class: 'sub' }, sub)] : [h('h1', { tabindex: '-1' }, text)];
}

// The values of the checkboxes named name in a FormData.
export const all = (fd, name) => fd.getAll(name).map(String);
// A number from a FormData, or undefined when empty.
export function num(fd, name) {
  const v = fd.get(name);
  return v === null || v === '' ? undefined : Number(v);
}
// A trimmed text, or undefined when empty.
export function text(fd, name) {
  const v = fd.get(name);
  return v === null || String(v).trim() === '' ? undefined : String(v).trim();
}
