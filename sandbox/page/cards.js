// cardsV2 drawn with DOM calls. Every clickable element is tied to its JSON path
// in the message (or dialog card); the page sends that path, and the server
// finds the action there itself. Images are never loaded: a placeholder shows
// their alt text.

function el(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined && text !== null) element.textContent = String(text);
  return element;
}

function str(value) {
  return typeof value === "string" ? value : "";
}

function list(value) {
  return Array.isArray(value) ? value.filter((item) => item && typeof item === "object") : [];
}

// ctx: {key, path, expanded: Set, onAction(path, element, card), dialog: bool}
function renderCard(card, ctx) {
  const root = el("div", "card");
  if (card.sectionDividerStyle === "NO_DIVIDER") root.classList.add("no-dividers");
  if (card.header && typeof card.header === "object") root.appendChild(renderHeader(card.header));
  list(card.sections).forEach((section, index) => {
    root.appendChild(renderSection(section, index, ctx, root));
  });
  return root;
}

function renderHeader(header) {
  const box = el("div", "card-header");
  if (str(header.imageUrl)) box.appendChild(imagePlaceholder(header.imageAltText, header.imageType === "CIRCLE"));
  const words = el("div", "card-words");
  words.appendChild(el("div", "card-title", str(header.title)));
  if (str(header.subtitle)) words.appendChild(el("div", "card-subtitle", header.subtitle));
  box.appendChild(words);
  return box;
}

function imagePlaceholder(alt, circle, wide) {
  const box = el("div", "image-placeholder" + (circle ? " circle" : "") + (wide ? " wide" : ""));
  box.title = (str(alt) || "image") + " (images are not loaded in the sandbox)";
  box.appendChild(svgIcon("image", box.title));
  if (wide && str(alt)) box.appendChild(el("span", null, alt));
  return box;
}

function renderSection(section, index, ctx, cardElement) {
  const box = el("section", "section");
  if (str(section.header)) {
    const header = el("div", "section-header");
    header.appendChild(chatHtml(section.header));
    box.appendChild(header);
  }
  const widgets = list(section.widgets);
  const key = ctx.key + ":section:" + index;
  const shown = section.collapsible ? Math.max(0, Number(section.uncollapsibleWidgetsCount) || 0) : widgets.length;
  const open = ctx.expanded.has(key);
  widgets.forEach((widget, at) => {
    if (at >= shown && !open) return;
    const node = renderWidget(widget, [...ctx.path, "sections", index, "widgets", at], ctx, cardElement);
    if (node) box.appendChild(node);
  });
  if (section.collapsible && widgets.length > shown) {
    const toggle = el("button", "section-toggle", open ? "Show less" : `Show ${widgets.length - shown} more`);
    toggle.type = "button";
    toggle.appendChild(svgIcon(open ? "expand_less" : "expand_more"));
    toggle.addEventListener("click", () => {
      if (open) ctx.expanded.delete(key); else ctx.expanded.add(key);
      ctx.redraw();
    });
    box.appendChild(toggle);
  }
  return box;
}

function renderWidget(widget, path, ctx, card) {
  const kinds = {
    textParagraph: renderParagraph, decoratedText: renderDecorated, buttonList: renderButtons,
    divider: () => el("hr", "divider"), columns: renderColumns, image: renderImage, grid: renderGrid,
    chipList: renderChips, textInput: renderTextInput, selectionInput: renderSelection,
    dateTimePicker: renderDateTime, carousel: renderCarousel,
  };
  for (const [name, draw] of Object.entries(kinds)) {
    if (widget[name] && typeof widget[name] === "object") {
      const node = draw(widget[name], [...path, name], ctx, card);
      const box = el("div", "widget");
      if (widget.horizontalAlignment === "CENTER") box.style.textAlign = "center";
      if (widget.horizontalAlignment === "END") box.style.textAlign = "right";
      box.appendChild(node);
      return box;
    }
  }
  return el("div", "widget unsupported", "(a widget the sandbox does not draw: " + Object.keys(widget).join(", ") + ")");
}

function renderParagraph(paragraph, path, ctx) {
  const text = el("div", "rich paragraph");
  text.appendChild(chatHtml(paragraph.text));
  const lines = Number(paragraph.maxLines) || 0;
  const key = ctx.key + ":" + path.join(".");
  if (lines > 0 && !ctx.expanded.has(key)) {
    text.classList.add("clamped");
    text.style.webkitLineClamp = String(lines);
    const box = el("div");
    box.appendChild(text);
    const more = el("button", "more-text", "Show more");
    more.type = "button";
    more.hidden = true;
    more.addEventListener("click", () => { ctx.expanded.add(key); ctx.redraw(); });
    box.appendChild(more);
    requestAnimationFrame(() => { more.hidden = text.scrollHeight <= text.clientHeight + 1; });
    return box;
  }
  return text;
}

function renderDecorated(decorated, path, ctx, card) {
  const row = el("div", "decorated");
  const start = cardIcon(decorated.startIcon || decorated.icon);
  const topLabel = str(decorated.topLabel) || str((decorated.topLabelText || {}).text);
  if (start) {
    const holder = el("span", "start" + (topLabel ? " with-label" : ""));
    holder.appendChild(start);
    row.appendChild(holder);
  }
  const content = el("div", "content");
  if (topLabel) content.appendChild(el("div", "top-label", topLabel));
  const text = el("div", "rich" + (decorated.wrapText ? "" : " nowrap"));
  text.appendChild(chatHtml(str(decorated.text) || str((decorated.contentText || {}).text)));
  content.appendChild(text);
  const bottom = str(decorated.bottomLabel) || str((decorated.bottomLabelText || {}).text);
  if (bottom) content.appendChild(el("div", "bottom-label", bottom));
  row.appendChild(content);
  if (decorated.button && typeof decorated.button === "object") {
    row.appendChild(renderButton(decorated.button, [...path, "button"], ctx, card));
  } else if (decorated.switchControl && typeof decorated.switchControl === "object") {
    row.appendChild(renderSwitch(decorated.switchControl));
  } else {
    const end = cardIcon(decorated.endIcon);
    if (end) row.appendChild(end);
  }
  if (decorated.onClick && decorated.onClick.action) {
    row.classList.add("clickable");
    row.addEventListener("click", (event) => {
      if (event.target.closest("button, a")) return;
      ctx.onAction([...path, "onClick"], row, card);
    });
  }
  return row;
}

function renderSwitch(control) {
  const label = el("label", "switch");
  const box = el("input");
  box.type = "checkbox";
  box.checked = Boolean(control.selected);
  if (str(control.name)) box.dataset.inputName = control.name;
  box.value = str(control.value) || "true";
  label.appendChild(box);
  return label;
}

function renderButtons(buttonList, path, ctx, card) {
  const row = el("div", "button-list");
  list(buttonList.buttons).forEach((button, index) => {
    row.appendChild(renderButton(button, [...path, "buttons", index], ctx, card));
  });
  return row;
}

function buttonFace(element, button, label) {
  const icon = cardIcon(button.icon);
  if (icon && label) icon.setAttribute("aria-hidden", "true");
  if (icon) element.appendChild(icon);
  if (label) element.appendChild(document.createTextNode(label));
  if (!label) element.classList.add("icon-only");
  const title = str(button.altText) || label;
  if (title) element.title = title;
}

function buttonStyle(element, button) {
  const colour = button.color;
  const kinds = { FILLED: "filled", FILLED_TONAL: "tonal", BORDERLESS: "borderless" };
  if (colour && typeof colour === "object") {
    element.classList.add("filled");
    const channel = (value) => Math.round(Math.max(0, Math.min(1, Number(value) || 0)) * 255);
    element.style.background = `rgb(${channel(colour.red)}, ${channel(colour.green)}, ${channel(colour.blue)})`;
  } else if (kinds[button.type]) {
    element.classList.add(kinds[button.type]);
  }
}

function renderButton(button, path, ctx, card, labelKey) {
  const label = str(button[labelKey || "text"]);
  const click = button.onClick || {};
  if (click.openLink) {
    const url = safeUrl(click.openLink.url);
    const anchor = el(url ? "a" : "span", "btn");
    if (url) {
      anchor.href = url;
      anchor.target = "_blank";
      anchor.rel = "noopener noreferrer nofollow";
      anchor.referrerPolicy = "no-referrer";
    }
    buttonFace(anchor, button, label);
    buttonStyle(anchor, button);
    anchor.title = url ? `${label || "Link"}: opens ${url}` : "a link the sandbox does not open";
    return anchor;
  }
  const element = el("button", "btn");
  element.type = "button";
  buttonFace(element, button, label);
  buttonStyle(element, button);
  element.disabled = Boolean(button.disabled);
  if (click.overflowMenu) return renderOverflow(element, click.overflowMenu, [...path, "onClick"], ctx, card);
  if (click.action) {
    element.addEventListener("click", () => ctx.onAction([...path, "onClick"], element, card));
  } else {
    element.disabled = true;
  }
  return element;
}

function renderOverflow(opener, menu, path, ctx, card) {
  const anchor = el("span", "menu-anchor");
  anchor.appendChild(opener);
  opener.setAttribute("aria-haspopup", "menu");
  opener.addEventListener("click", (event) => {
    event.stopPropagation();
    const open = anchor.querySelector(".menu");
    closeMenus();
    if (open) return;
    const box = el("div", "menu");
    box.setAttribute("role", "menu");
    list(menu.items).forEach((item, index) => {
      const entry = el("button");
      entry.type = "button";
      entry.setAttribute("role", "menuitem");
      const icon = cardIcon(item.startIcon);
      if (icon) {
        icon.setAttribute("aria-hidden", "true");
        entry.appendChild(icon);
      }
      entry.appendChild(document.createTextNode(str(item.text)));
      entry.disabled = Boolean(item.disabled) || !(item.onClick && item.onClick.action);
      entry.addEventListener("click", () => {
        closeMenus();
        ctx.onAction([...path, "overflowMenu", "items", index, "onClick"], opener, card);
      });
      box.appendChild(entry);
    });
    anchor.appendChild(box);
  });
  return anchor;
}

function closeMenus() {
  document.querySelectorAll(".menu").forEach((menu) => menu.remove());
}

function renderColumns(columns, path, ctx, card) {
  const row = el("div", "columns");
  list(columns.columnItems).forEach((column, index) => {
    const cell = el("div", "column" + (column.horizontalSizeStyle === "FILL_MINIMUM_SPACE" ? " min" : ""));
    list(column.widgets).forEach((widget, at) => {
      const node = renderWidget(widget, [...path, "columnItems", index, "widgets", at], ctx, card);
      if (node) cell.appendChild(node);
    });
    row.appendChild(cell);
  });
  return row;
}

function renderImage(image) {
  return imagePlaceholder(image.altText || "image", false, true);
}

function renderGrid(grid) {
  const box = el("div");
  if (str(grid.title)) box.appendChild(el("div", "grid-title", grid.title));
  const cells = el("div", "grid");
  cells.style.gridTemplateColumns = `repeat(${Math.max(1, Math.min(6, Number(grid.columnCount) || 2))}, 1fr)`;
  list(grid.items).forEach((item) => {
    const cell = el("div", "grid-item");
    cell.appendChild(el("div", "card-title", str(item.title)));
    if (str(item.subtitle)) cell.appendChild(el("div", "bottom-label", item.subtitle));
    cells.appendChild(cell);
  });
  box.appendChild(cells);
  return box;
}

function renderChips(chips, path, ctx, card) {
  const row = el("div", "chip-list");
  list(chips.chips).forEach((chip, index) => {
    const node = renderButton(chip, [...path, "chips", index], ctx, card, "label");
    node.classList.add("chip");
    row.appendChild(node);
  });
  return row;
}

function field(labelText, hint) {
  const box = el("div", "field");
  if (labelText) box.appendChild(el("span", "label", labelText));
  return box;
}

function renderTextInput(input) {
  const box = field(str(input.label));
  const multiline = input.type === "MULTIPLE_LINE";
  const control = el(multiline ? "textarea" : "input");
  if (!multiline) control.type = "text";
  control.value = str(input.value);
  control.placeholder = str(input.placeholderText);
  control.dataset.inputName = str(input.name);
  control.setAttribute("aria-label", str(input.label) || str(input.name));
  box.appendChild(control);
  if (str(input.hintText)) box.appendChild(el("span", "hint", input.hintText));
  return box;
}

function renderSelection(selection) {
  const box = field(str(selection.label));
  const name = str(selection.name);
  const items = list(selection.items);
  if (selection.type === "DROPDOWN" || selection.type === "MULTI_SELECT") {
    const control = el("select");
    control.multiple = selection.type === "MULTI_SELECT";
    control.dataset.inputName = name;
    items.forEach((item) => {
      const option = el("option", null, str(item.text));
      option.value = str(item.value);
      option.selected = Boolean(item.selected);
      control.appendChild(option);
    });
    box.appendChild(control);
    return box;
  }
  const kind = selection.type === "RADIO_BUTTON" ? "radio" : "checkbox";
  const group = "choice-" + Math.random().toString(36).slice(2);
  items.forEach((item) => {
    const row = el("label", "choice");
    const control = el("input");
    control.type = kind;
    control.name = group;
    control.value = str(item.value);
    control.checked = Boolean(item.selected);
    control.dataset.inputName = name;
    row.appendChild(control);
    row.appendChild(document.createTextNode(str(item.text)));
    box.appendChild(row);
  });
  return box;
}

function renderDateTime(picker) {
  // Limitation: date and time pickers are drawn, not submitted; their
  // dateInput/timeInput shapes are not built by the sandbox.
  const box = field(str(picker.label) || "Date");
  const control = el("input");
  control.type = picker.type === "TIME_ONLY" ? "time" : picker.type === "DATE_ONLY" ? "date" : "datetime-local";
  control.disabled = true;
  box.appendChild(control);
  box.appendChild(el("span", "hint", "date pickers are not submitted in the sandbox"));
  return box;
}

function renderCarousel(carousel, path, ctx, card) {
  const row = el("div", "columns");
  list(carousel.carouselCards).forEach((item, index) => {
    const cell = el("div", "column grid-item");
    list(item.widgets).forEach((widget, at) => {
      const node = renderWidget(widget, [...path, "carouselCards", index, "widgets", at], ctx, card);
      if (node) cell.appendChild(node);
    });
    row.appendChild(cell);
  });
  return row;
}

// The values of a card's inputs: {name: [values]}, as Chat's formInputs carry.
function collectInputs(root) {
  const values = {};
  if (!root) return values;
  root.querySelectorAll("[data-input-name]").forEach((control) => {
    const name = control.dataset.inputName;
    if (!name) return;
    if (!values[name]) values[name] = [];
    if (control.tagName === "SELECT") {
      Array.from(control.selectedOptions).forEach((option) => values[name].push(option.value));
    } else if (control.type === "checkbox" || control.type === "radio") {
      if (control.checked) values[name].push(control.value);
    } else {
      values[name].push(control.value);
    }
  });
  return values;
}
