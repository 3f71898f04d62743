// Chat's two text languages, turned into DOM nodes without ever parsing HTML:
// the HTML subset of card text (b, i, u, s, font color, a href, br, time; any
// other tag is shown as the text it is) and the markup of message text
// (*bold*, _italic_, ~strike~, `code`, ```blocks```, <users/ID> mentions,
// <url|label> links). Links are the only way out of the page, and only when a
// person clicks them; nothing is loaded or run from message content.

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'", nbsp: "\u00a0", "#39": "'" };

function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,6}|#39);/g, (whole, name) => {
    if (Object.prototype.hasOwnProperty.call(ENTITIES, name)) return ENTITIES[name];
    if (name[0] !== "#") return whole;
    const code = name[1] === "x" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
      ? String.fromCodePoint(code) : "\ufffd";
  });
}

// A URL a person may follow: http(s) or mailto, nothing else; Chat turns http
// into https.
function safeUrl(value) {
  if (typeof value !== "string") return null;
  let url;
  try {
    url = new URL(value.trim());
  } catch (error) {
    return null;
  }
  if (url.protocol === "http:") url.protocol = "https:";
  return url.protocol === "https:" || url.protocol === "mailto:" ? url.href : null;
}

function link(url, label) {
  const safe = safeUrl(url);
  if (!safe) {
    return document.createTextNode(label);
  }
  const anchor = document.createElement("a");
  anchor.className = "link";
  anchor.href = safe;
  anchor.target = "_blank";
  anchor.rel = "noopener noreferrer nofollow";
  anchor.referrerPolicy = "no-referrer";
  anchor.title = safe;
  anchor.textContent = label;
  return anchor;
}

const HTML_TAG = /<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*\/?>/g;
const ATTRIBUTE = /([a-zA-Z-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)/g;
const SIMPLE_TAGS = { b: "b", strong: "b", i: "i", em: "i", u: "u", s: "s", strike: "s", del: "s" };

function attributesOf(source) {
  const found = {};
  for (const match of source.matchAll(ATTRIBUTE)) {
    let value = match[2];
    if (value[0] === "\"" || value[0] === "'") value = value.slice(1, -1);
    found[match[1].toLowerCase()] = decodeEntities(value);
  }
  return found;
}

function openElement(name, attributes) {
  if (SIMPLE_TAGS[name]) return document.createElement(SIMPLE_TAGS[name]);
  if (name === "font") {
    const span = document.createElement("span");
    const colour = attributes.color || "";
    if (/^#[0-9a-fA-F]{3,8}$/.test(colour) || /^[a-zA-Z]{3,20}$/.test(colour)) {
      span.style.color = colour;
    }
    return span;
  }
  if (name === "time") {
    const time = document.createElement("time");
    time.className = "time";
    return time;
  }
  if (name === "a") {
    const safe = safeUrl(attributes.href);
    if (!safe) return document.createElement("span");
    const anchor = link(safe, "");
    return anchor;
  }
  return null;
}

// Card text: Chat's HTML subset as DOM nodes.
function chatHtml(source) {
  const root = document.createDocumentFragment();
  const text = typeof source === "string" ? source : "";
  const stack = [{ name: null, node: root }];
  const top = () => stack[stack.length - 1].node;
  let last = 0;
  for (const match of text.matchAll(HTML_TAG)) {
    if (match.index > last) {
      top().appendChild(document.createTextNode(decodeEntities(text.slice(last, match.index))));
    }
    last = match.index + match[0].length;
    const closing = match[1] === "/";
    const name = match[2].toLowerCase();
    if (name === "br" && !closing) {
      top().appendChild(document.createElement("br"));
      continue;
    }
    const allowed = SIMPLE_TAGS[name] || ["font", "time", "a"].includes(name);
    if (!allowed) {
      top().appendChild(document.createTextNode(match[0]));
      continue;
    }
    if (closing) {
      const at = stack.map((entry) => entry.name).lastIndexOf(name);
      if (at > 0) stack.length = at;
      continue;
    }
    const element = openElement(name, attributesOf(match[3] || ""));
    top().appendChild(element);
    stack.push({ name, node: element });
  }
  if (last < text.length) {
    top().appendChild(document.createTextNode(decodeEntities(text.slice(last))));
  }
  return root;
}

// Message text in Chat's markup (or, with MARKUP_SYNTAX_MARKDOWN, Markdown).
function chatText(source, people, markdown) {
  const fragment = document.createDocumentFragment();
  appendMarkup(fragment, typeof source === "string" ? source : "", people, markdown, 0);
  return fragment;
}

const CHAT_TOKENS = new RegExp([
  "```([\\s\\S]*?)```",
  "`([^`\\n]+)`",
  "<(users/[^>|\\s]+)>",
  "<((?:https?|mailto):[^>|\\s]+)(?:\\|([^>]*))?>",
  "((?:https?)://[^\\s<>]+)",
  "(?<![\\w*])\\*(?=\\S)([^*\\n]+?)\\*(?![\\w*])",
  "(?<![\\w_])_(?=\\S)([^_\\n]+?)_(?![\\w_])",
  "(?<![\\w~])~(?=\\S)([^~\\n]+?)~(?![\\w~])",
].join("|"), "g");

// Limitation: for MARKUP_SYNTAX_MARKDOWN messages only bold, italic, strike,
// code, links and mentions are drawn; lists, quotes and headings show as typed.
const MARKDOWN_TOKENS = new RegExp([
  "```([\\s\\S]*?)```",
  "`([^`\\n]+)`",
  "<(users/[^>|\\s]+)>",
  "\\[([^\\]\\n]+)\\]\\(([^)\\s]+)\\)",
  "((?:https?)://[^\\s<>]+)",
  "\\*\\*(?=\\S)([^*\\n]+?)\\*\\*",
  "(?<![\\w*])\\*(?=\\S)([^*\\n]+?)\\*(?![\\w*])",
  "~~(?=\\S)([^~\\n]+?)~~",
].join("|"), "g");

function appendMarkup(parent, text, people, markdown, depth) {
  const pattern = new RegExp((markdown ? MARKDOWN_TOKENS : CHAT_TOKENS).source, "g");
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
    last = match.index + match[0].length;
    parent.appendChild(markupNode(match, people, markdown, depth));
  }
  if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
}

function styled(tag, inner, people, markdown, depth) {
  const element = document.createElement(tag);
  if (depth > 4) {
    element.textContent = inner;
  } else {
    appendMarkup(element, inner, people, markdown, depth + 1);
  }
  return element;
}

function markupNode(match, people, markdown, depth) {
  const [, block, code, user] = match;
  if (block !== undefined) {
    const pre = document.createElement("pre");
    pre.textContent = block.replace(/^\n/, "");
    return pre;
  }
  if (code !== undefined) {
    const element = document.createElement("code");
    element.textContent = code;
    return element;
  }
  if (user !== undefined) return mention(user, people);
  if (markdown) {
    const [, , , , label, url, bare, strong, emphasis, strike] = match;
    if (label !== undefined) return link(url, label);
    if (bare !== undefined) return link(bare, bare);
    if (strong !== undefined) return styled("b", strong, people, markdown, depth);
    if (emphasis !== undefined) return styled("i", emphasis, people, markdown, depth);
    return styled("s", strike, people, markdown, depth);
  }
  const [, , , , url, label, bare, bold, italic, strike] = match;
  if (url !== undefined) return link(url, label || url);
  if (bare !== undefined) return link(bare, bare);
  if (bold !== undefined) return styled("b", bold, people, markdown, depth);
  if (italic !== undefined) return styled("i", italic, people, markdown, depth);
  return styled("s", strike, people, markdown, depth);
}

function mention(user, people) {
  const chip = document.createElement("span");
  chip.className = "mention";
  const known = people[user];
  chip.textContent = user === "users/all" ? "@all" : "@" + (known || "unknown user");
  chip.title = user;
  return chip;
}
