// Small DOM helpers: elements built with textContent only, so no data is ever parsed as HTML.

export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "className") element.className = value;
    else if (name === "text") element.textContent = value;
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export const byId = (id) => document.getElementById(id);

/** Says `text` to screen readers through the page's live region. */
export function announce(text) {
  const region = byId("announcer");
  region.textContent = "";
  // A new text node in a later task is announced even when the text repeats.
  setTimeout(() => { region.textContent = text; }, 50);
}

export function show(element, visible) {
  element.hidden = !visible;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatTime(iso) {
  return iso ? dateTime.format(new Date(iso)) : "—";
}

export function timeElement(iso) {
  if (!iso) return el("span", { text: "—" });
  return el("time", { datetime: iso, text: formatTime(iso) });
}
