// The query input with its run button and error display, shared by Explore and Live tail.
import { ApiError } from './api';
import { queryError } from './components';
import { h, replace } from './dom';

export interface QueryBox {
  form: HTMLFormElement;
  input: HTMLInputElement;
  errorArea: HTMLElement;
  setValue(text: string): void;
  /** Shows an invalid query's message and a caret under `text` (the query that ran); other errors are the caller's. */
  showError(error: unknown, text: string): boolean;
  clearError(): void;
}

export function createQueryBox(placeholder: string, onRun: (text: string) => void, extra: (Node | null)[] = []): QueryBox {
  const input = h('input', {
    type: 'text', class: 'query-input', 'data-testid': 'query-input', 'aria-label': 'Query',
    placeholder, spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off',
    title: 'Press / to focus, Enter to run',
  });
  const errorArea = h('div', { class: 'query-error-area' });
  const form = h('form', { class: 'query-bar', role: 'search' },
    input,
    h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'query-run' }, 'Run'),
    ...extra);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    onRun(input.value.trim());
  });
  return {
    form,
    input,
    errorArea,
    setValue(text) {
      input.value = text;
    },
    showError(error, text) {
      if (error instanceof ApiError && error.code === 'invalid_query') {
        replace(errorArea, queryError(text, error));
        input.setAttribute('aria-invalid', 'true');
        return true;
      }
      return false;
    },
    clearError() {
      replace(errorArea);
      input.removeAttribute('aria-invalid');
    },
  };
}
