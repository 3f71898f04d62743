// The page: polls the sandbox for changes, draws the selected space, and sends
// clicks, dialog steps and slash commands back as the person picked above.

const POLL_MS = 400;
const page = {
  version: -1, user: "", space: "", data: null, dialogId: null,
  expanded: new Set(), timer: null, polling: false, peopleKey: "", seen: {}, follow: false,
};
const EFFECTS = {
  "update message": "updated the card", "new message": "posted a message",
  "dialog": "opened a dialog", "close dialog": "closed the dialog", "nothing": "changed nothing",
};
const byId = (id) => document.getElementById(id);
const PALETTE = ["#1a73e8", "#188038", "#a142f4", "#e37400", "#d93025", "#007b83", "#b06000", "#5f6368"];

async function send(path, body) {
  try {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Sandbox-Page": "1" },
      body: JSON.stringify(body),
    });
    return await response.json();
  } catch (error) {
    return { ok: false, error: "the sandbox did not answer" };
  }
}

async function poll() {
  if (page.polling) return;
  page.polling = true;
  clearTimeout(page.timer);
  try {
    const query = `since=${page.version}&user=${encodeURIComponent(page.user)}`;
    const response = await fetch(`/ui/state?${query}`, { cache: "no-store" });
    const data = await response.json();
    byId("connection").hidden = true;
    if (Array.isArray(data.spaces)) {
      page.data = data;
      page.version = data.version;
      page.user = data.user;
      draw();
    }
  } catch (error) {
    byId("connection").hidden = false;
  } finally {
    page.polling = false;
    page.timer = setTimeout(poll, POLL_MS);
  }
}

function pollNow() {
  clearTimeout(page.timer);
  page.timer = setTimeout(poll, 0);
}

function toast(text, error) {
  const box = el("div", "toast" + (error ? " error" : ""));
  box.appendChild(svgIcon(error ? "error" : "info"));
  box.appendChild(el("span", null, text));
  byId("toasts").appendChild(box);
  setTimeout(() => box.remove(), error ? 9000 : 5000);
}

function report(result) {
  if (!result.ok && result.error) toast(result.error, true);
  else if (result.notice) toast(result.notice, false);
}

function peopleNames() {
  const names = {};
  (page.data.people || []).forEach((person) => { names[person.name] = person.displayName; });
  if (page.data.app) names[page.data.app.user] = page.data.app.name;
  return names;
}

function draw() {
  drawPeople();
  drawApp();
  drawSpaces();
  drawThreads();
  drawLog();
  drawControls();
  drawDialog();
}

function drawPeople() {
  const select = byId("user");
  const people = page.data.people || [];
  const key = JSON.stringify(people);
  if (key !== page.peopleKey) {
    select.replaceChildren(...people.map((person) => {
      const option = el("option", null, person.role ? `${person.displayName} (${person.role})` : person.displayName);
      option.value = person.name;
      option.title = person.email;
      return option;
    }));
    page.peopleKey = key;
  }
  select.value = page.data.user;
}

function drawApp() {
  const box = byId("app-status");
  const app = page.data.app;
  if (!app) {
    box.replaceChildren(el("span", "pill missing", "No Chat app configured: clicks go nowhere"));
    return;
  }
  const name = el("span", "pill", `App: ${app.name}`);
  const format = el("span", "pill", app.format === "addon" ? "Workspace add-on events" : "Chat app events");
  const token = el("span", "pill", `token: ${app.tokenKind}`);
  box.replaceChildren(name, format, token);
  const chips = byId("command-chips");
  chips.replaceChildren(...Object.keys(app.commands || {}).sort().map((command) => {
    const chip = el("button", null, command);
    chip.type = "button";
    chip.addEventListener("click", () => {
      const input = byId("command");
      input.value = command + " ";
      input.focus();
    });
    return chip;
  }));
}

function drawSpaces() {
  const spaces = page.data.spaces;
  if (!spaces.some((space) => space.name === page.space)) page.space = spaces.length ? spaces[0].name : "";
  byId("spaces").replaceChildren(...spaces.map((space) => {
    const item = el("li");
    const button = el("button", space.name === page.space ? "selected" : "");
    button.type = "button";
    button.dataset.space = space.name;
    button.appendChild(el("span", "space-badge", (space.displayName || "?").trim().charAt(0).toUpperCase()));
    button.appendChild(el("span", null, space.displayName || space.name));
    const count = space.threads.reduce((total, thread) => total + thread.messages.length, 0);
    button.appendChild(el("span", "count", String(count)));
    button.addEventListener("click", () => {
      page.space = space.name;
      history.replaceState(null, "", "#" + space.name);
      delete page.seen[space.name];
      draw();
    });
    item.appendChild(button);
    return item;
  }));
}

function drawThreads() {
  const box = byId("threads");
  const space = page.data.spaces.find((item) => item.name === page.space);
  const title = byId("space-title");
  if (!space) {
    title.replaceChildren(el("span", null, "No spaces yet"));
    box.replaceChildren(el("div", "empty", "The sandbox has no spaces yet."));
    return;
  }
  title.replaceChildren(el("span", null, space.displayName || space.name), el("span", "sub", space.name));
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const scroll = box.scrollTop;
  const before = page.seen[space.name];
  const names = peopleNames();
  const threads = space.threads.map((thread) => drawThread(thread, names));
  box.replaceChildren(...(threads.length ? threads : [el("div", "empty", "No messages in this space yet.")]));
  const articles = Array.from(box.querySelectorAll("article.message"));
  page.seen[space.name] = new Set(articles.map((article) => article.dataset.name));
  // A first look shows the newest thread; a message that answers what this
  // person just did (or arrives while they read the end) is brought into view;
  // an edit in place leaves the reader where they were.
  const fresh = before ? articles.filter((article) => !before.has(article.dataset.name)) : [];
  if (!before && threads.length) {
    box.scrollTop = threads[threads.length - 1].offsetTop - box.offsetTop - 16;
  } else if (fresh.length && (page.follow || atBottom)) {
    box.scrollTop = scroll;
    fresh[fresh.length - 1].scrollIntoView({ block: "nearest" });
  } else {
    box.scrollTop = scroll;
  }
  if (fresh.length) page.follow = false;
}

// Limitation: every change redraws the space, so a value typed into an input of
// a card message (not a dialog) is lost when another message changes; keeping it
// would need the page to patch the DOM instead of redrawing.
function drawThread(thread, names) {
  const box = el("div", "thread");
  box.dataset.thread = thread.name;
  const [first, ...replies] = thread.messages;
  box.appendChild(drawMessage(first, names));
  if (replies.length) {
    box.appendChild(el("div", "replies-label", `${replies.length} ${replies.length === 1 ? "reply" : "replies"}`));
    const list = el("div", "replies");
    replies.forEach((view) => list.appendChild(drawMessage(view, names)));
    box.appendChild(list);
  }
  return box;
}

function colourOf(name) {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.codePointAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}

function drawMessage(view, names) {
  const message = view.message;
  const sender = message.sender || {};
  const bot = sender.type === "BOT";
  const row = el("article", "message" + (view.private ? " private" : ""));
  row.dataset.name = message.name;
  const who = sender.displayName || names[sender.name] || "Someone";
  const avatar = el("div", "avatar" + (bot ? " bot" : ""), who.trim().charAt(0).toUpperCase());
  avatar.style.background = colourOf(sender.name || who);
  row.appendChild(avatar);

  const meta = el("div", "meta");
  meta.appendChild(el("span", "sender", who));
  if (bot) meta.appendChild(el("span", "tag", "App"));
  meta.appendChild(el("time", "when", clock(message.createTime)));
  if (message.lastUpdateTime) {
    const edited = el("span", "edited", "Edited");
    edited.title = `edited ${clock(message.lastUpdateTime)}`;
    meta.appendChild(edited);
  }
  if (view.private) {
    const note = el("span", "private-note");
    note.appendChild(svgIcon("visibility_off", "private message"));
    note.appendChild(document.createTextNode("Only visible to you"));
    meta.appendChild(note);
  }
  row.appendChild(meta);

  const body = el("div", "body");
  if (typeof message.text === "string" && message.text) {
    const text = el("div", "text");
    text.appendChild(chatText(message.text, names, message.markupSyntax === "MARKUP_SYNTAX_MARKDOWN"));
    body.appendChild(text);
  }
  list(message.cardsV2).forEach((item, index) => {
    const ctx = cardContext(message, ["cardsV2", index, "card"], `${message.name}:${item.cardId || index}`);
    body.appendChild(renderCard(item.card || {}, ctx));
  });
  const accessory = list(message.accessoryWidgets);
  if (accessory.length) {
    const holder = el("div", "accessory");
    const ctx = cardContext(message, [], `${message.name}:accessory`);
    accessory.forEach((widget, index) => {
      holder.appendChild(renderWidget(widget, ["accessoryWidgets", index], ctx, holder));
    });
    body.appendChild(holder);
  }
  if (typeof message.fallbackText === "string" && message.fallbackText) {
    const line = el("div", "notification");
    line.appendChild(svgIcon("notifications", "notification text (fallbackText)"));
    line.appendChild(el("span", null, `Notification: ${message.fallbackText}`));
    body.appendChild(line);
  }
  row.appendChild(body);
  return row;
}

function clock(time) {
  const moment = new Date(time);
  return Number.isNaN(moment.getTime()) ? "" : moment.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function cardContext(message, path, key) {
  return {
    key, path, expanded: page.expanded, redraw: draw,
    onAction: (where, element, card) => clickCard(message, where, element, card),
  };
}

async function clickCard(message, path, element, card) {
  element.classList.add("busy");
  element.disabled = true;
  const result = await send("/ui/click", {
    user: page.user, message: message.name, path,
    updated: message.lastUpdateTime || message.createTime, inputs: collectInputs(card),
  });
  element.classList.remove("busy");
  element.disabled = false;
  report(result);
  page.follow = true;
  pollNow();
}

function drawLog() {
  const names = peopleNames();
  const entries = (page.data.log || []).slice().reverse();
  byId("log").replaceChildren(...entries.map((entry) => {
    const item = el("li", entry.ok ? "ok" : "failed");
    item.appendChild(el("span", "mark", entry.ok ? "\u2713" : "\u2717"));
    item.appendChild(el("span", "what", `${entry.kind} \u00b7 ${names[entry.user] || entry.user}`));
    const detail = entry.error || entry.notice || EFFECTS[entry.effect] || "";
    item.appendChild(el("span", "detail", `${clock(entry.at)} ${detail}`));
    return item;
  }));
}

function drawDialog() {
  const overlay = byId("overlay");
  const dialog = page.data.dialog;
  if (!dialog) {
    overlay.hidden = true;
    overlay.replaceChildren();
    page.dialogId = null;
    return;
  }
  if (dialog.id === page.dialogId) return;
  page.dialogId = dialog.id;
  const box = el("div", "dialog");
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-modal", "true");
  const top = el("div", "dialog-top");
  top.appendChild(el("span", "dialog-app", page.data.app ? page.data.app.name : "Dialog"));
  const close = el("button", "dialog-close");
  close.type = "button";
  close.title = "Close";
  close.appendChild(svgIcon("close", "Close"));
  close.addEventListener("click", () => cancelDialog(dialog.id));
  top.appendChild(close);
  const body = el("div", "dialog-body");
  const error = el("div", "dialog-error");
  error.hidden = true;
  const ctx = {
    key: `dialog:${dialog.id}`, path: [], expanded: page.expanded, redraw: () => {},
    onAction: (path, element) => submitDialog(dialog.id, path, element, body, error),
  };
  body.appendChild(renderCard(dialog.card, ctx));
  const footer = el("div", "dialog-footer");
  const fixed = dialog.card.fixedFooter || {};
  // Chat closes a dialog with its X; a Cancel is the app's own secondary button.
  if (!(fixed.secondaryButton && typeof fixed.secondaryButton === "object")) {
    const cancel = el("button", "btn borderless", "Cancel");
    cancel.type = "button";
    cancel.addEventListener("click", () => cancelDialog(dialog.id));
    footer.appendChild(cancel);
  }
  ["secondaryButton", "primaryButton"].forEach((name) => {
    if (fixed[name] && typeof fixed[name] === "object") {
      const button = renderButton(fixed[name], ["fixedFooter", name], ctx, body);
      if (name === "primaryButton" && !fixed[name].type && !fixed[name].color) button.classList.add("filled");
      footer.appendChild(button);
    }
  });
  box.append(top, body, error, footer);
  overlay.replaceChildren(box);
  overlay.hidden = false;
}

async function submitDialog(id, path, element, body, error) {
  element.classList.add("busy");
  element.disabled = true;
  const result = await send("/ui/dialog", { user: page.user, dialog: id, path, inputs: collectInputs(body) });
  element.classList.remove("busy");
  element.disabled = false;
  if (!result.ok && result.error) {
    error.textContent = result.error;
    error.hidden = false;
  } else if (result.notice) {
    toast(result.notice, false);
  }
  page.follow = true;
  pollNow();
}

async function cancelDialog(id) {
  const result = await send("/ui/cancel", { user: page.user, dialog: id });
  report(result);
  pollNow();
}

async function sendCommand(event) {
  event.preventDefault();
  const input = byId("command");
  const text = input.value.trim();
  if (!text) return;
  if (!page.space) {
    toast("Pick a space first", true);
    return;
  }
  const button = byId("send");
  button.disabled = true;
  const result = await send("/ui/command", { user: page.user, space: page.space, text });
  button.disabled = false;
  if (result.kind) input.value = "";
  report(result);
  page.follow = true;
  pollNow();
}

document.addEventListener("click", (event) => {
  if (!event.target.closest(".menu-anchor")) closeMenus();
});
byId("user").addEventListener("change", (event) => {
  page.user = event.target.value;
  page.version = -1;
  page.dialogId = null;
  pollNow();
});
byId("composer").addEventListener("submit", sendCommand);
if (location.hash.startsWith("#spaces/")) page.space = decodeURIComponent(location.hash.slice(1));
poll();
