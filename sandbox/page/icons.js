// A small built-in icon set, drawn for this page (24x24, stroked), standing in
// for Material icons and Chat's known icons. Nothing is loaded: an unknown name
// gets a neutral glyph, and every icon carries its name as its title.
const SVG_NS = "http://www.w3.org/2000/svg";

// Shapes: ["p", d] path, ["c", cx, cy, r] circle, ["f", cx, cy, r] dot,
// ["r", x, y, w, h, rx] rectangle, ["l", x1, y1, x2, y2] line.
const SHAPES = {
  check_circle: [["c", 12, 12, 9], ["p", "M8 12.5l2.7 2.7L16.5 9.5"]],
  archive: [["r", 3, 4, 18, 4.5, 1], ["p", "M5 8.5V19a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V8.5"], ["l", 10, 12.5, 14, 12.5]],
  unarchive: [["r", 3, 4, 18, 4.5, 1], ["p", "M5 8.5V19a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V8.5"], ["p", "M12 17.5v-6M9.5 14l2.5-2.5 2.5 2.5"]],
  thumb_down: [["p", "M16 4H8a2 2 0 0 0-2 1.5L4.2 12A2 2 0 0 0 6 14.5h4.5l-.8 4a1.8 1.8 0 0 0 3.3 1.2L16 14V4z"], ["p", "M16 4h3.5v10H16"]],
  campaign: [["p", "M3.5 9.5v5h3l6.5 4v-13l-6.5 4h-3z"], ["p", "M16.5 8.5a5 5 0 0 1 0 7"], ["l", 6.5, 14.5, 7.5, 19]],
  filter_off: [["p", "M4 5h16l-6 7.5V18l-4 2v-7.5L4 5z"], ["l", 3, 3, 21, 21]],
  refresh: [["p", "M19.5 12a7.5 7.5 0 1 1-2.2-5.3"], ["p", "M19.5 4.5v4.5H15"]],
  open_in_full: [["p", "M14 4h6v6M10 20H4v-6"], ["l", 20, 4, 13.5, 10.5], ["l", 4, 20, 10.5, 13.5]],
  target: [["c", 12, 12, 9], ["c", 12, 12, 4.5], ["f", 12, 12, 1.3]],
  error: [["c", 12, 12, 9], ["l", 12, 7, 12, 13], ["f", 12, 16.5, 1.1]],
  warning: [["p", "M12 3.5L2.5 20h19L12 3.5z"], ["l", 12, 9.5, 12, 14], ["f", 12, 17, 1.1]],
  info: [["c", 12, 12, 9], ["l", 12, 11, 12, 16.5], ["f", 12, 7.8, 1.1]],
  help: [["c", 12, 12, 9], ["p", "M9.5 9.5a2.5 2.5 0 1 1 3.6 2.2c-.7.4-1.1 1-1.1 1.8v.5"], ["f", 12, 17, 1.1]],
  category: [["p", "M12 3.5l4 6.5H8l4-6.5z"], ["c", 17, 16.5, 3.5], ["r", 3.5, 13, 7, 7, 1]],
  account_box: [["r", 3, 3, 18, 18, 2], ["c", 12, 10, 3], ["p", "M6.5 18.5a6 6 0 0 1 11 0"]],
  person: [["c", 12, 8, 4], ["p", "M4 21a8 8 0 0 1 16 0"]],
  people: [["c", 9, 8, 3.5], ["p", "M2.5 20a6.5 6.5 0 0 1 13 0"], ["p", "M15 4.8a3.5 3.5 0 0 1 0 6.4M17.5 14a6.5 6.5 0 0 1 4 6"]],
  globe: [["c", 12, 12, 9], ["p", "M3 12h18"], ["p", "M12 3c2.5 2.5 3.5 5.5 3.5 9s-1 6.5-3.5 9c-2.5-2.5-3.5-5.5-3.5-9s1-6.5 3.5-9z"]],
  box: [["p", "M12 3l8 4.5v9L12 21l-8-4.5v-9L12 3z"], ["p", "M4 7.5l8 4.5 8-4.5M12 12v9"]],
  schedule: [["c", 12, 12, 9], ["p", "M12 7v5l3.5 2"]],
  fingerprint: [["p", "M5.5 9.5a7 7 0 0 1 13 0"], ["p", "M8 19a9 9 0 0 0 1-4v-2a3 3 0 0 1 6 0v2"], ["p", "M12 13v2a11 11 0 0 1-1.5 5.5"], ["p", "M18 15a14 14 0 0 1-1 5"], ["p", "M5.5 13v2a6 6 0 0 1-.6 2.6"]],
  science: [["p", "M9 3h6M10 3v6.5L4.8 18.3A1.8 1.8 0 0 0 6.4 21h11.2a1.8 1.8 0 0 0 1.6-2.7L14 9.5V3"], ["l", 7.5, 15, 16.5, 15]],
  block: [["c", 12, 12, 9], ["l", 5.7, 5.7, 18.3, 18.3]],
  touch: [["p", "M9.5 12V5.5a1.5 1.5 0 0 1 3 0V11"], ["p", "M12.5 10.5a1.5 1.5 0 0 1 3 0v1a1.5 1.5 0 0 1 3 0V16a5 5 0 0 1-5 5h-1.3a5 5 0 0 1-4-2L5 15.3a1.5 1.5 0 0 1 2.3-1.9l2.2 2.1"]],
  open_in_new: [["p", "M14 4h6v6"], ["l", 20, 4, 11, 13], ["p", "M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5"]],
  more_vert: [["f", 12, 5.5, 1.7], ["f", 12, 12, 1.7], ["f", 12, 18.5, 1.7]],
  server: [["r", 3.5, 4, 17, 7, 1.5], ["r", 3.5, 13, 17, 7, 1.5], ["f", 7, 7.5, 1], ["f", 7, 16.5, 1]],
  lock: [["r", 5, 11, 14, 10, 2], ["p", "M8 11V7.5a4 4 0 0 1 8 0V11"]],
  key: [["c", 8, 15, 4.5], ["p", "M11.2 11.8L20 3M16.5 6.5l3 3M14 9l2 2"]],
  network: [["r", 9, 3, 6, 5, 1], ["r", 3, 16, 6, 5, 1], ["r", 15, 16, 6, 5, 1], ["p", "M12 8v4M6 16v-4h12v4"]],
  terminal: [["r", 3, 4, 18, 16, 2], ["p", "M7 9.5l3 2.5-3 2.5"], ["l", 12, 15, 17, 15]],
  code: [["p", "M8.5 7L3.5 12l5 5M15.5 7l5 5-5 5"]],
  chip: [["r", 6, 6, 12, 12, 1.5], ["r", 9.5, 9.5, 5, 5, .5], ["p", "M9 3v3M15 3v3M9 18v3M15 18v3M3 9h3M3 15h3M18 9h3M18 15h3"]],
  database: [["p", "M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3z"], ["p", "M4 6v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6"], ["p", "M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3"]],
  folder: [["p", "M3 6.5a1.5 1.5 0 0 1 1.5-1.5h4.8l2 2.2h8.2A1.5 1.5 0 0 1 21 8.7v9.8a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 18.5z"]],
  description: [["p", "M6 3h8.5L18 6.5V21H6z"], ["p", "M14 3v4h4"], ["l", 9, 12, 15, 12], ["l", 9, 16, 15, 16]],
  place: [["p", "M12 21s-7-6.3-7-11a7 7 0 0 1 14 0c0 4.7-7 11-7 11z"], ["c", 12, 10, 2.5]],
  login: [["p", "M10 17l5-5-5-5"], ["l", 15, 12, 3, 12], ["p", "M14 4h5a1 1 0 0 1 1 1v14a1 1 0 0 1-1 1h-5"]],
  flag: [["p", "M5.5 21V4M5.5 4h12l-2.5 4.5 2.5 4.5h-12"]],
  bolt: [["p", "M13 2.5L4.5 14H11l-1 7.5L19.5 10H13l1-7.5z"]],
  shield_bad: [["p", "M12 3l8 3v6c0 4.8-3.4 8-8 9-4.6-1-8-4.2-8-9V6l8-3z"], ["p", "M9.5 9.5l5 5M14.5 9.5l-5 5"]],
  shield: [["p", "M12 3l8 3v6c0 4.8-3.4 8-8 9-4.6-1-8-4.2-8-9V6l8-3z"]],
  tag: [["p", "M3.5 12.5V4.5a1 1 0 0 1 1-1h8l8 8-9 9-8-8z"], ["f", 8, 8, 1.4]],
  api: [["p", "M7 7.5L2.5 12 7 16.5M17 7.5l4.5 4.5-4.5 4.5"], ["c", 12, 12, 2.2]],
  badge: [["r", 3, 6, 18, 14, 2], ["c", 8.5, 12.5, 2], ["p", "M5.5 17.5a3.2 3.2 0 0 1 6 0"], ["l", 14, 11, 18, 11], ["l", 14, 15, 17, 15], ["p", "M10 6V4h4v2"]],
  business: [["r", 4, 3, 10, 18, 1], ["r", 14, 9, 6, 12, 1], ["p", "M7 7h1M10 7h1M7 11h1M10 11h1M7 15h1M10 15h1M17 13h0M17 16h0"]],
  apps: [["r", 4, 4, 6, 6, 1], ["r", 14, 4, 6, 6, 1], ["r", 4, 14, 6, 6, 1], ["r", 14, 14, 6, 6, 1]],
  image: [["r", 3, 5, 18, 14, 2], ["c", 9, 10, 2], ["p", "M21 16l-5-5-9 8"]],
  camera: [["p", "M4 8h3l2-2.5h6L17 8h3a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V9a1 1 0 0 1 1-1z"], ["c", 12, 13, 3.5]],
  pulse: [["p", "M3 12h4l2.2-5 3.6 10 2.2-5h6"]],
  timeline: [["p", "M3 17l6-6 4 4 8-8"], ["f", 9, 11, 1.3], ["f", 13, 15, 1.3]],
  rocket: [["p", "M12.5 15.5l-4-4C10 6 14 3.5 20.5 3.5 20.5 10 18 14 12.5 15.5z"], ["p", "M8.5 11.5l-4 .5-2 3 4 1M12.5 15.5l-.5 4-3 2-1-4"], ["c", 15.5, 8.5, 1.5]],
  swap: [["p", "M4 8h15l-3.5-3.5M20 16H5l3.5 3.5"]],
  power: [["l", 12, 3, 12, 12], ["p", "M6.3 6.8a8 8 0 1 0 11.4 0"]],
  person_search: [["c", 10, 8, 4], ["p", "M3 21a7 7 0 0 1 9.5-6.5"], ["c", 17, 17, 3], ["l", 19.2, 19.2, 21.5, 21.5]],
  virus: [["c", 12, 12, 5], ["p", "M12 3v4M12 17v4M3 12h4M17 12h4M5.6 5.6l2.9 2.9M15.5 15.5l2.9 2.9M5.6 18.4l2.9-2.9M15.5 8.5l2.9-2.9"], ["f", 10.5, 11, 1], ["f", 13.5, 13.5, .9]],
  signal: [["l", 5, 20, 5, 16], ["l", 10, 20, 10, 12], ["l", 15, 20, 15, 8], ["l", 20, 20, 20, 4]],
  list: [["l", 9, 6, 20, 6], ["l", 9, 12, 20, 12], ["l", 9, 18, 20, 18], ["f", 4.5, 6, 1.2], ["f", 4.5, 12, 1.2], ["f", 4.5, 18, 1.2]],
  settings: [["c", 12, 12, 3], ["p", "M12 2.5v3M12 18.5v3M2.5 12h3M18.5 12h3M5.3 5.3l2.1 2.1M16.6 16.6l2.1 2.1M5.3 18.7l2.1-2.1M16.6 7.4l2.1-2.1"], ["c", 12, 12, 6.5]],
  cloud_up: [["p", "M7 18.5a4.5 4.5 0 0 1-.6-9A6 6 0 0 1 18 10.8a3.8 3.8 0 0 1-.5 7.7z"], ["p", "M12 16v-5M9.5 13.5L12 11l2.5 2.5"]],
  web: [["r", 3, 4, 18, 16, 2], ["l", 3, 9, 21, 9], ["f", 6, 6.5, .8], ["f", 8.5, 6.5, .8]],
  function: [["p", "M15 4h-1.5A2.5 2.5 0 0 0 11 6.5v11A2.5 2.5 0 0 1 8.5 20H7"], ["l", 7.5, 11, 15, 11]],
  bell: [["p", "M6 17v-6a6 6 0 0 1 12 0v6l1.5 1.5h-15z"], ["p", "M10 21h4"]],
  eye_off: [["p", "M3 12s3.5-6 9-6c1.6 0 3 .4 4.2 1M21 12s-3.5 6-9 6c-1.6 0-3-.4-4.2-1"], ["c", 12, 12, 2.8], ["l", 4, 4, 20, 20]],
  close: [["l", 6, 6, 18, 18], ["l", 18, 6, 6, 18]],
  send: [["p", "M4 20l17-8L4 4l2.2 8L4 20z"], ["l", 6.2, 12, 13, 12]],
  expand_more: [["p", "M6 9l6 6 6-6"]],
  expand_less: [["p", "M6 15l6-6 6 6"]],
  mail: [["r", 3, 5, 18, 14, 2], ["p", "M3.5 6.5l8.5 6.5 8.5-6.5"]],
  star: [["p", "M12 3.5l2.6 5.6 6 .6-4.5 4.1 1.3 6-5.4-3.1-5.4 3.1 1.3-6L3.4 9.7l6-.6L12 3.5z"]],
  bookmark: [["p", "M6 3.5h12V21l-6-4-6 4z"]],
  phone: [["p", "M5 4h4l1.5 4.5-2.5 1.5a11 11 0 0 0 6 6l1.5-2.5L20 15v4a1 1 0 0 1-1 1A16 16 0 0 1 4 5a1 1 0 0 1 1-1z"]],
  pin: [["p", "M12 21s-7-6.3-7-11a7 7 0 0 1 14 0c0 4.7-7 11-7 11z"]],
  plane: [["p", "M21 15.5l-8-5V5a1.5 1.5 0 0 0-3 0v5.5l-8 5V17l8-2.5V19l-2 1.5V22l3.5-1 3.5 1v-1.5L13 19v-4.5l8 2.5z"]],
  neutral: [["f", 12, 12, 3.5]],
};

// Material and Chat names, mapped onto the shapes above.
const ICON_NAMES = {
  task_alt: "check_circle", check_circle: "check_circle", check: "check_circle", done: "check_circle",
  archive: "archive", inventory_2: "archive", unarchive: "unarchive", thumb_down: "thumb_down",
  campaign: "campaign", filter_alt_off: "filter_off", filter_alt: "filter_off", refresh: "refresh",
  open_in_full: "open_in_full", crisis_alert: "target", error: "error", error_outline: "error",
  report: "error", warning: "warning", info: "info", help: "help", category: "category",
  account_box: "account_box", person: "person", user: "person", username: "person", actors: "people",
  group: "people", manage_accounts: "people", public: "globe", language: "globe", travel_explore: "globe",
  country: "globe", inventory: "box", deployed_code: "box", resource: "box", resources: "box",
  containers: "box", album: "box", schedule: "schedule", access_time: "schedule", fingerprint: "fingerprint",
  uid: "fingerprint", id: "fingerprint", identifier: "fingerprint", science: "science", block: "block",
  blocked: "block", touch_app: "touch", open_in_new: "open_in_new", more_vert: "more_vert",
  dns: "server", storage: "database", database: "database", lock: "lock", privileged: "lock",
  key: "key", vpn_key: "key", lan: "network", hub: "network", account_tree: "network",
  settings_ethernet: "network", protocol: "network", port: "network", terminal: "terminal",
  process: "terminal", code: "code", memory: "chip", engine: "chip", folder: "folder", namespace: "folder",
  description: "description", assignment: "description", context: "description", evidence: "description",
  location_on: "place", city: "place", login: "login", flag: "flag", bolt: "bolt", action: "bolt",
  gpp_bad: "shield_bad", threats: "shield_bad", security: "shield", detection: "shield",
  sell: "tag", tag: "tag", tags: "tag", label: "tag", api: "api", verb: "api", badge: "badge",
  role: "badge", name: "badge", business: "business", domain: "business", org: "business",
  organization: "business", asn: "business", apps: "apps", application: "apps", image: "image",
  photo_camera: "camera", monitor_heart: "pulse", activity: "pulse", status: "pulse",
  timeline: "timeline", sequence: "timeline", rocket_launch: "rocket", swap_horiz: "swap",
  power_settings_new: "power", person_search: "person_search", coronavirus: "virus", signals: "signal",
  list: "list", values: "list", value: "list", settings: "settings", service: "settings",
  backup: "cloud_up", web: "web", function: "function", notifications: "bell", visibility_off: "eye_off",
  close: "close", send: "send", expand_more: "expand_more", expand_less: "expand_less", email: "mail",
  mail: "mail", type: "category", arn: "fingerprint",
  // Chat's knownIcon names.
  EMAIL: "mail", PERSON: "person", MULTIPLE_PEOPLE: "people", CLOCK: "schedule", DESCRIPTION: "description",
  BOOKMARK: "bookmark", STAR: "star", PHONE: "phone", MAP_PIN: "pin", FLIGHT_DEPARTURE: "plane",
  FLIGHT_ARRIVAL: "plane", AIRPLANE: "plane", INVITE: "mail", CONFIRMATION_NUMBER_ICON: "tag",
  DOLLAR: "tag", MEMBERSHIP: "badge", STORE: "business", HOTEL: "business", OFFER: "tag",
  VIDEO_CAMERA: "camera", EVENT_SEAT: "schedule", TICKET: "tag", BUS: "place", CAR: "place",
  TRAIN: "place", HOTEL_ROOM_TYPE: "business", RESTAURANT_ICON: "business", VIDEO_PLAY: "camera",
};

function svgIcon(name, title) {
  const known = Object.prototype.hasOwnProperty.call(ICON_NAMES, name) ? ICON_NAMES[name] : null;
  const shapes = SHAPES[known || "neutral"];
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon" + (known ? "" : " unknown"));
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "1.8");
  svg.setAttribute("stroke-linecap", "round");
  svg.setAttribute("stroke-linejoin", "round");
  svg.setAttribute("role", "img");
  const label = document.createElementNS(SVG_NS, "title");
  label.textContent = title || String(name || "icon");
  svg.appendChild(label);
  for (const shape of shapes) {
    svg.appendChild(svgShape(shape));
  }
  return svg;
}

function svgShape(shape) {
  const [kind, ...values] = shape;
  const names = {
    p: ["path", ["d"]], c: ["circle", ["cx", "cy", "r"]], f: ["circle", ["cx", "cy", "r"]],
    r: ["rect", ["x", "y", "width", "height", "rx"]], l: ["line", ["x1", "y1", "x2", "y2"]],
  };
  const [tag, attributes] = names[kind];
  const element = document.createElementNS(SVG_NS, tag);
  attributes.forEach((attribute, index) => element.setAttribute(attribute, String(values[index])));
  if (kind === "f") {
    element.setAttribute("fill", "currentColor");
    element.setAttribute("stroke", "none");
  }
  return element;
}

// The icon of a card `Icon` ({materialIcon}, {knownIcon} or {iconUrl}).
function cardIcon(spec) {
  if (!spec || typeof spec !== "object") return null;
  const alt = typeof spec.altText === "string" ? spec.altText : "";
  if (spec.materialIcon && typeof spec.materialIcon.name === "string") {
    return svgIcon(spec.materialIcon.name, alt || spec.materialIcon.name);
  }
  if (typeof spec.knownIcon === "string") {
    return svgIcon(spec.knownIcon, alt || spec.knownIcon);
  }
  if (typeof spec.iconUrl === "string") {
    // Never fetched: an image from elsewhere is drawn as the neutral glyph.
    return svgIcon("", alt || "image icon (not loaded)");
  }
  return null;
}
