// The sandbox's own panel, drawn only when the sandbox attached it (state.controls).
// It is not part of Google Chat: its buttons play GuardDuty, so a person can make
// GuardDuty find something new or see a finding again, and watch the card. It also
// shows what GuardDuty now holds for a finding, to check a click against.

const controlsView = { key: "", type: "", finding: "", reveal: "" };

function drawControls() {
  const box = byId("controls");
  const controls = page.data.controls;
  if (!controls) {
    box.hidden = true;
    box.replaceChildren();
    controlsView.key = "";
    return;
  }
  box.hidden = false;
  const key = JSON.stringify(controls);
  if (key !== controlsView.key) {
    controlsView.key = key;
    box.replaceChildren(
      el("h2", null, "Sandbox controls"),
      el("p", "controls-note", "Not part of Google Chat: these buttons play GuardDuty."),
      sampleControl(controls),
      bumpControl(controls),
      filtersLine(controls),
    );
  }
  revealCard();
}

function sampleControl(controls) {
  const types = controls.sampleTypes || [];
  if (!types.includes(controlsView.type)) controlsView.type = types[0] || "";
  const select = controlSelect("control-type", types.map((type) => [type, type]), controlsView.type);
  select.addEventListener("change", () => { controlsView.type = select.value; });
  const button = controlButton("Create sample finding", () => act("sample", { type: controlsView.type }));
  return controlGroup(
    "New finding",
    `GuardDuty CreateSampleFindings in ${controls.region}`,
    "control-type", select, null, button,
  );
}

function bumpControl(controls) {
  const findings = controls.findings || [];
  if (!findings.some((finding) => finding.id === controlsView.finding)) {
    controlsView.finding = findings.length ? findings[0].id : "";
  }
  const options = findings.map((finding) => [finding.id, `${finding.severity} \u00b7 ${shorten(finding.title, 48)}`]);
  const select = controlSelect("control-finding", options, controlsView.finding);
  const status = el("div", "controls-status");
  const show = () => {
    const finding = findings.find((item) => item.id === controlsView.finding);
    status.textContent = finding ? guardDutyState(finding) : "GuardDuty holds no findings yet.";
    select.title = finding ? finding.title : "";
  };
  select.addEventListener("change", () => {
    controlsView.finding = select.value;
    show();
  });
  show();
  const button = controlButton("Count +1", () => act("bump", { finding: controlsView.finding }));
  button.disabled = !findings.length;
  return controlGroup(
    "GuardDuty sees a finding again",
    "count +1 and a new last-seen time: the card is edited in place",
    "control-finding", select, status, button,
  );
}

function guardDutyState(finding) {
  const parts = [finding.archived ? "Archived" : "Open", `count ${finding.count ?? "?"}`];
  parts.push(finding.feedback ? `feedback ${finding.feedback}` : "no feedback");
  return `In GuardDuty: ${parts.join(" \u00b7 ")}`;
}

function filtersLine(controls) {
  const filters = controls.filters || [];
  const words = filters.length
    ? filters.map((filter) => `${filter.name} (${filter.region})`).join(", ")
    : "none yet";
  return el("p", "controls-filters", `Suppression rules in GuardDuty: ${words}`);
}

function controlGroup(title, hint, id, select, status, button) {
  const group = el("div", "controls-group");
  const label = el("label", "controls-label", title);
  label.htmlFor = id;
  group.append(label, el("div", "controls-hint", hint), select);
  if (status) group.appendChild(status);
  group.appendChild(button);
  return group;
}

function controlSelect(id, options, selected) {
  const select = el("select");
  select.id = id;
  select.replaceChildren(...options.map(([value, text]) => {
    const option = el("option", null, text);
    option.value = value;
    return option;
  }));
  select.value = selected;
  return select;
}

function controlButton(text, action) {
  const button = el("button", "btn tonal controls-button", text);
  button.type = "button";
  button.addEventListener("click", async () => {
    button.classList.add("busy");
    button.disabled = true;
    await action();
    button.classList.remove("busy");
    button.disabled = false;
  });
  return button;
}

async function act(name, body) {
  const result = await send(`/ui/sandbox/${name}`, body);
  report(result);
  if (result.ok && result.finding) controlsView.finding = result.finding;
  if (result.ok && result.message) {
    controlsView.reveal = result.message;
    const space = result.message.split("/messages/")[0];
    if (space !== page.space) {
      page.space = space;
      history.replaceState(null, "", "#" + space);
    }
  }
  pollNow();
}

// Brings the card a control just changed into view, and marks it for a moment.
function revealCard() {
  if (!controlsView.reveal) return;
  const article = document.querySelector(`article[data-name="${CSS.escape(controlsView.reveal)}"]`);
  if (!article) return;
  controlsView.reveal = "";
  article.scrollIntoView({ block: "center" });
  article.classList.add("flash");
  setTimeout(() => article.classList.remove("flash"), 2500);
}

function shorten(text, limit) {
  return text.length > limit ? text.slice(0, limit - 1) + "\u2026" : text;
}
