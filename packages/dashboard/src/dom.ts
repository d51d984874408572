/**
 * The only way this page builds DOM: elements with text children. Names of spaces, models, metrics and alert text are
 * user data, so nothing here parses HTML (`innerHTML` and friends are never used); text goes through text nodes.
 */

/** What `h` accepts as a child: nodes as they are, strings and numbers as text, nothing for the rest. */
export type Child = Node | string | number | null | undefined | false;

/** Element options; `attrs` are set with `setAttribute` (event-handler and style attributes are refused). */
export interface Props {
  class?: string;
  attrs?: Record<string, string | undefined>;
  data?: Record<string, string>;
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
}

const REFUSED_ATTRIBUTE = /^(on|style$|srcdoc$)/i;

/** Sets an attribute unless it could run code (`on*`, `style`, `srcdoc`, a `javascript:` URL). */
export function setSafeAttribute(el: Element, name: string, value: string): void {
  if (REFUSED_ATTRIBUTE.test(name)) throw new Error(`refusing to set attribute ${name}`);
  if ((name === 'href' || name === 'src') && /^\s*javascript:/i.test(value)) {
    throw new Error(`refusing a javascript: URL in ${name}`);
  }
  el.setAttribute(name, value);
}

/** Appends children (text for strings and numbers). */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Creates an element. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value !== undefined) setSafeAttribute(el, name, value);
  }
  for (const [name, value] of Object.entries(props.data ?? {})) el.dataset[name] = value;
  for (const [type, listener] of Object.entries(props.on ?? {})) {
    el.addEventListener(type, listener as EventListener);
  }
  append(el, ...children);
  return el;
}

/** Replaces all children of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}
