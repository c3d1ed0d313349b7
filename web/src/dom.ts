// A tiny element builder. Everything the page shows is made with createElement and textContent, never
// innerHTML: log lines are attacker-controlled text, and this way they can never become markup.

export type Child = Node | string | number | null | undefined | false;
/** Children as given: single ones or (nested) arrays of them. */
export type Children = Child | Children[];
type AttrValue = string | number | boolean | null | undefined | EventListener;
export type Attrs = Record<string, AttrValue>;

/** Makes an element; attributes named `onX` with a function become listeners, `value`/`checked` set the property. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Children[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      setAttr(el, key, value);
    }
  }
  append(el, ...children);
  return el;
}

function setAttr(el: HTMLElement, key: string, value: AttrValue): void {
  if (value === null || value === undefined || value === false) {
    return;
  }
  if (typeof value === 'function') {
    el.addEventListener(key.slice(2).toLowerCase(), value);
  } else if (key === 'class') {
    el.className = String(value);
  } else if (key === 'value' || key === 'checked') {
    // Properties, not attributes: the attribute is only the initial value of a form control.
    (el as unknown as Record<string, unknown>)[key] = key === 'checked' ? Boolean(value) : String(value);
  } else if (key === 'style') {
    // The page's CSP refuses style attributes; styles are set through el.style by callers.
    throw new Error('use el.style, not a style attribute');
  } else {
    el.setAttribute(key, value === true ? '' : String(value));
  }
}

/** Appends children, flattening arrays and skipping empty ones. */
export function append(parent: Node, ...children: Children[]): void {
  for (const child of children) {
    if (Array.isArray(child)) {
      append(parent, ...child);
    } else if (child instanceof Node) {
      parent.appendChild(child);
    } else if (child !== null && child !== undefined && child !== false) {
      parent.appendChild(document.createTextNode(String(child)));
    }
  }
}

/** Removes every child and appends the new ones. */
export function replace(parent: Node, ...children: Children[]): void {
  while (parent.firstChild) {
    parent.removeChild(parent.firstChild);
  }
  append(parent, ...children);
}

/** True when a keyboard event is typed into a field (so page shortcuts must not take it). */
export function isTyping(event: KeyboardEvent): boolean {
  const target = event.target as HTMLElement | null;
  if (!target) {
    return false;
  }
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}
