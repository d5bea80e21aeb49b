/**
 * Markup built as data and written out once, escaped: the kit's own small
 * builder for the SVG and HTML of its reports.
 *
 * Text is always text. Every string given as a child or as an attribute value
 * is escaped on the way out, so the bytes a learner's program sent
 * (`<script>`, `<img onerror=...>`) can never become an element or a handler.
 * Tag and attribute names come from the kit's code, never from the wire, and
 * an `on...` attribute is refused outright. Only `trusted` writes markup as it
 * is, and only the kit's own constants (its style sheet, its reload script) go
 * through it.
 */

export type Attrs = Record<string, string | number | boolean | null | undefined>;
export type Element = { readonly tag: string; readonly attrs: Attrs; readonly children: Child[] };
/** A piece of the kit's own markup, written as is (a <style> or <script> body). */
export class Trusted {
  constructor(readonly markup: string) {}
}
/** What an element may hold: elements, text, the kit's own markup; nothing (null, false) and lists are flattened. */
export type Child = Element | Trusted | string | number | null | undefined | false | Child[];

const NAME = /^[a-zA-Z][a-zA-Z0-9:-]*$/;

/** An element: `h("text", { x: 4, y: 12 }, "bytes as text")`. */
export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): Element {
  if (!NAME.test(tag)) throw new Error(`markup: not a tag name: ${JSON.stringify(tag)}`);
  for (const name of Object.keys(attrs)) {
    if (!NAME.test(name)) throw new Error(`markup: not an attribute name: ${JSON.stringify(name)}`);
    if (/^on/i.test(name)) throw new Error(`markup: no event handler attributes (${name})`);
  }
  return { tag, attrs, children };
}

/**
 * The kit's own markup, written as is: a style sheet or a script that is a
 * constant of the kit. It may not close its element early.
 */
export function trusted(markup: string): Trusted {
  if (/<\/(style|script)/i.test(markup)) throw new Error("markup: a trusted piece may not close its element");
  return new Trusted(markup);
}

/** Characters no page may hold (C0 controls but tab and newlines, lone surrogates, non-characters): shown as U+FFFD. */
const UNFIT =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text as it goes between tags. */
export function escapeText(text: string): string {
  return text.replace(UNFIT, "\ufffd").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Text as it goes between an attribute's quotes. */
export function escapeAttr(text: string): string {
  return escapeText(text).replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** HTML's elements that have no end tag. */
const VOID = new Set(["meta", "br", "hr", "img", "input", "link", "col", "wbr"]);
/** SVG's shapes, written self-closed when empty (an HTML parser reads `<line/>` inside <svg> as closed). */
const SHAPES = new Set(["line", "rect", "circle", "ellipse", "path", "polyline", "polygon", "use", "stop"]);

/** The markup of a tree, everything in it escaped but `trusted` pieces. */
export function render(node: Child): string {
  if (node === null || node === undefined || node === false) return "";
  if (typeof node === "string") return escapeText(node);
  if (typeof node === "number") return String(node);
  if (Array.isArray(node)) return node.map(render).join("");
  if (node instanceof Trusted) return node.markup;
  const attrs = Object.entries(node.attrs)
    .filter(([, v]) => v !== undefined && v !== null && v !== false)
    .map(([k, v]) => (v === true ? ` ${k}` : ` ${k}="${escapeAttr(String(v))}"`))
    .join("");
  const inner = node.children.map(render).join("");
  if (inner === "" && VOID.has(node.tag)) return `<${node.tag}${attrs}>`;
  if (inner === "" && SHAPES.has(node.tag)) return `<${node.tag}${attrs}/>`;
  return `<${node.tag}${attrs}>${inner}</${node.tag}>`;
}

/** A number for a coordinate: at most one decimal, no "-0". */
export const px = (n: number): number => Math.round(n * 10) / 10 || 0;
