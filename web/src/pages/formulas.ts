// Formulas: an editor validated as you type, the function reference and examples, a run that shows the value
// over the range and its series per bucket, and saving to the dashboard config.
import { ApiError, getJson, isAbort, postJson } from '../api';
import { afterDraw, type App, type Page, type PageFactory, type UpdateReason } from '../app';
import { lineChart, type Chart } from '../charts';
import { errorNotice, loading, queryError } from '../components';
import { loadConfig, updateConfig, upsertByName } from '../config';
import { h, replace } from '../dom';
import { formatInteger, formatLocalTime, formatNumber } from '../format';
import { describeRange, pickBucket, resolveRange } from '../range';
import type { AppState } from '../state';
import { cssVar } from '../theme';
import type { FormulaExamples, FormulaFunctions, FormulaValidation, FormulaValue, SavedFormula } from '../types';

const VALIDATE_DELAY_MS = 250;

export const createFormulas: PageFactory = (app: App, root: HTMLElement): Page => {
  let chart: Chart | null = null;
  let controller: AbortController | null = null;
  let validateTimer = 0;
  let validateSeq = 0;
  let lastRunKey = '';
  let referenceLoaded: Promise<void> | null = null;

  const input = h('input', {
    type: 'text', class: 'query-input', 'data-testid': 'formula-input', 'aria-label': 'Formula',
    placeholder: 'count(decision:block) / count() * 100', spellcheck: 'false', autocomplete: 'off',
  });
  const status = h('div', { class: 'formula-status', 'aria-live': 'polite' });
  const nameInput = h('input', { type: 'text', 'data-testid': 'formula-name', 'aria-label': 'Name to save as', placeholder: 'Name' });
  const saveMessage = h('span', { class: 'muted small', role: 'status', 'data-testid': 'formula-save-message' });
  const form = h('form', { class: 'query-bar' }, input,
    h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'formula-run' }, 'Run'));
  const saveRow = app.session.canAdmin
    ? h('div', { class: 'query-row' }, nameInput,
      h('button', { type: 'button', class: 'btn', 'data-testid': 'formula-save', onclick: () => void save() }, 'Save'), saveMessage)
    : null;
  const result = h('section', { class: 'panel', 'data-testid': 'formula-result' });
  const savedList = h('div', { 'data-testid': 'saved-formulas' });
  const functions = h('div', { 'data-testid': 'formula-functions' }, loading());
  const examples = h('div', { 'data-testid': 'formula-examples' }, loading());
  const heading = h('span', { class: 'muted' });

  replace(root,
    h('div', { class: 'page-head' }, h('h1', null, 'Formulas'), heading),
    h('div', { class: 'formulas-body' },
      h('div', { class: 'formulas-main' }, form, status, saveRow, result),
      h('aside', { class: 'panel side' },
        h('h2', null, 'Saved'), savedList,
        h('h2', null, 'Examples'), examples,
        h('h2', null, 'Functions'), functions)));

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (text === (app.state.params.f ?? '')) {
      void run(app.state, true);
    } else {
      app.setParams({ f: text });
    }
  });
  input.addEventListener('input', () => {
    window.clearTimeout(validateTimer);
    validateTimer = window.setTimeout(() => void validate(input.value), VALIDATE_DELAY_MS);
  });

  async function validate(text: string): Promise<void> {
    const seq = ++validateSeq;
    if (text.trim() === '') {
      replace(status);
      return;
    }
    try {
      const answer = await postJson<FormulaValidation & { aggregations?: unknown[] }>('/api/v1/formulas/validate', { formula: text });
      if (seq !== validateSeq) {
        return; // an older answer arriving after a newer keystroke
      }
      if (answer.valid) {
        const n = answer.aggregations?.length ?? 0;
        replace(status, h('p', { class: 'ok-text small', 'data-testid': 'formula-valid' }, `Valid — ${n} ${n === 1 ? 'aggregation' : 'aggregations'}.`));
        input.removeAttribute('aria-invalid');
      } else {
        showFormulaError(text, answer.message ?? 'Not a valid formula', answer.position);
      }
    } catch (e) {
      if (seq === validateSeq && !(e instanceof ApiError && e.unauthorized)) {
        replace(status, errorNotice(e));
      }
    }
  }

  function showFormulaError(text: string, message: string, position?: number): void {
    replace(status, queryError(text, { message, position }, 'formula'));
    input.setAttribute('aria-invalid', 'true');
  }

  function loadReference(): Promise<void> {
    const fns = getJson<FormulaFunctions>('/api/v1/formulas/functions').then((answer) => {
      replace(functions, h('dl', { class: 'functions' }, (answer.functions ?? []).map((f) => [
        h('dt', null, h('code', null, f.signature || f.name)),
        h('dd', null, f.description)])));
    }).catch((e) => replace(functions, errorNotice(e)));
    const exs = getJson<FormulaExamples>('/api/v1/formulas/examples').then((answer) => {
      replace(examples, h('ul', { class: 'examples' }, (answer.examples ?? []).map((x) => h('li', null,
        h('button', {
          type: 'button', class: 'link-btn', 'data-testid': 'formula-example', title: x.formula,
          onclick: () => {
            input.value = x.formula;
            nameInput.value = x.name;
            void validate(x.formula);
            input.focus();
          },
        }, x.name),
        h('div', { class: 'muted small' }, x.description)))));
    }).catch((e) => replace(examples, errorNotice(e)));
    const saved = loadConfig().then((c) => showSaved(c.saved_formulas)).catch(() => showSaved([]));
    return Promise.all([fns, exs, saved]).then(() => undefined);
  }

  function showSaved(list: SavedFormula[]): void {
    replace(savedList, list.length === 0
      ? h('p', { class: 'muted small' }, 'None yet.')
      : h('ul', { class: 'examples' }, list.map((s) => h('li', null,
        h('button', { type: 'button', class: 'link-btn', 'data-testid': 'saved-formula', title: s.formula, onclick: () => app.setParams({ f: s.formula }) }, s.name)))));
  }

  async function run(state: AppState, force: boolean): Promise<void> {
    const formula = (state.params.f ?? '').trim();
    const range = resolveRange(state.params, Date.now());
    heading.textContent = describeRange(range, formatLocalTime);
    const key = JSON.stringify([formula, state.params.range, state.params.from, state.params.to]);
    if (!force && key === lastRunKey) {
      return;
    }
    lastRunKey = key;
    controller?.abort();
    const abort = new AbortController();
    controller = abort;
    chart?.destroy();
    chart = null;
    if (!formula) {
      replace(result, h('p', { class: 'muted' }, 'Write a formula or pick an example, then Run. Formulas are arithmetic over aggregations such as count(level:error) / count() * 100.'));
      return;
    }
    replace(result, loading('Running…'));
    const bucket = pickBucket(range.end - range.start);
    const body = { formula, start_time: range.start, end_time: range.end };
    try {
      const [total, series] = await Promise.all([
        postJson<FormulaValue>('/api/v1/formulas/execute', body, abort.signal),
        postJson<FormulaValue>('/api/v1/formulas/execute', { ...body, bucket }, abort.signal),
      ]);
      if (abort.signal.aborted) {
        return;
      }
      const value = total.value ?? null;
      const chartBox = h('div', { class: 'chart', 'data-testid': 'formula-chart' });
      replace(result,
        h('div', { class: 'formula-value-row' },
          h('span', { class: 'tile-label' }, 'Value over the range'),
          h('span', {
            class: 'formula-value', 'data-testid': 'formula-value', 'data-value': value === null ? '' : String(value),
            title: value === null ? 'Undefined (no events, or a division by zero)' : String(value),
          }, value === null ? '—' : Number.isInteger(value) && Math.abs(value) >= 1000 ? formatInteger(value) : formatNumber(value))),
        h('h2', null, `Per ${series.bucket ?? bucket}`),
        chartBox);
      const points = series.series ?? [];
      chart = lineChart(chartBox, points.map((p) => (typeof p.time === 'number' ? p.time : Date.parse(p.time))), points.map((p) => p.value), cssVar('--accent', '#3b82f6'));
    } catch (e) {
      if (isAbort(e)) {
        return;
      }
      if (e instanceof ApiError && (e.code === 'invalid_formula' || e.code === 'invalid_query')) {
        showFormulaError(formula, e.message, e.position);
        replace(result, h('p', { class: 'muted' }, 'Fix the formula above, then run it again.'));
      } else {
        replace(result, errorNotice(e, () => void run(app.state, true)));
      }
    }
  }

  async function save(): Promise<void> {
    const formula = input.value.trim();
    if (!formula) {
      saveMessage.textContent = 'Write a formula first.';
      return;
    }
    const entry = { name: nameInput.value.trim() || formula, formula };
    saveMessage.textContent = 'Saving…';
    try {
      const config = await updateConfig((c) => ({ ...c, saved_formulas: upsertByName(c.saved_formulas, entry) }));
      showSaved(config.saved_formulas);
      saveMessage.textContent = `Saved "${entry.name}".`;
    } catch (e) {
      saveMessage.textContent = e instanceof Error ? e.message : String(e);
    }
  }

  async function show(state: AppState, reason: UpdateReason): Promise<void> {
    if (reason === 'enter' || reason === 'change') {
      app.loading();
    }
    if (document.activeElement !== input) {
      input.value = state.params.f ?? '';
    }
    referenceLoaded ??= loadReference();
    if (reason === 'enter' && state.params.f) {
      void validate(state.params.f);
    }
    await Promise.all([referenceLoaded, run(state, reason === 'refresh' || reason === 'theme')]);
    await afterDraw();
    app.ready('formulas');
  }

  return {
    update(state, reason) {
      void show(state, reason);
    },
    dispose() {
      controller?.abort();
      window.clearTimeout(validateTimer);
      chart?.destroy();
    },
  };
};
