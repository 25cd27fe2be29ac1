// Which focus competencies still lack evidence, updated as the interviewer types, and a warning
// naming them when little time is left: probe now rather than ask for another interview.
// The thresholds and the state labels come from the server (the page's data attributes).

export function createCoverage({ items, warning, fields, minEvidence, warningMinutes, labels, remainingSeconds }) {
  function stateOf(key) {
    const prefix = "rating." + key;
    const level = fields.read(prefix + ".level");
    const evidence = (fields.read(prefix + ".evidence") || "").trim();
    const notAssessed = fields.read(prefix + ".not_assessed");
    const reason = (fields.read(prefix + ".reason") || "").trim();
    if (notAssessed && reason) return "not_assessed";
    if (level && evidence.length >= minEvidence) return "done";
    if (!level && !evidence) return "missing";
    return "partial";
  }

  function openCompetencies() {
    const names = [];
    items.forEach((item) => {
      const state = stateOf(item.dataset.coverage);
      item.className = "coverage-" + state;
      item.querySelector(".coverage-state").textContent = labels[state];
      if (state === "missing" || state === "partial") names.push(item.querySelector("a").textContent);
    });
    return names;
  }

  function update() {
    const open = openCompetencies();
    const remaining = remainingSeconds();
    let text = "";
    if (remaining !== null && remaining <= warningMinutes * 60 && open.length) {
      const minutes = Math.max(0, Math.ceil(remaining / 60));
      text = minutes + (minutes === 1 ? " minute" : " minutes") +
        " left. Still no evidence for: " + open.join(", ") +
        ". Probe now rather than ask for another interview.";
    }
    if (warning.textContent !== text) warning.textContent = text;
    warning.hidden = !text;
  }

  return { update };
}
