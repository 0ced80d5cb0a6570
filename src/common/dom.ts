/**
 * Builds an element whose text, if any, is set with `textContent`: trace values
 * come from user code and are always shown as text, never parsed as HTML.
 */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/** Scrolls `container` just enough to show `child`, without moving the page around it. */
export function scrollWithin(container: HTMLElement, child: HTMLElement): void {
  const top = child.offsetTop;
  const bottom = top + child.offsetHeight;
  if (top < container.scrollTop) {
    container.scrollTop = Math.max(0, top - container.clientHeight / 3);
  } else if (bottom > container.scrollTop + container.clientHeight) {
    container.scrollTop = bottom - (container.clientHeight * 2) / 3;
  }
}
