// The interview clock: total time and time in the current stage against their budgets, kept on
// this device so a reload does not reset it. The stage follows focus and the stage links. It
// starts on its own: at the interview's start time while the page is open, or at the first
// keystroke, whichever comes first; the button restarts it from now.

function pad(n) { return (n < 10 ? "0" : "") + n; }

function format(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return Math.floor(s / 60) + ":" + pad(s % 60);
}

// Opened this long after the interview ended, the page is a review, not a call: no auto-start.
const LATE_REVIEW_MS = 30 * 60 * 1000;

export function createClock({ form, stages, stageLinks, scorecardId, startedAt, sessionStarts, sessionEnds, onStart, onStageChange, onRender }) {
  const element = document.getElementById("clock");
  const startButton = document.getElementById("clock-start");
  const totalOut = document.getElementById("clock-total");
  const stageOut = document.getElementById("clock-stage");
  const budgetOut = document.getElementById("clock-stage-budget");
  const key = "loopkit:clock:" + scorecardId;
  const totalBudget = stages.reduce((sum, s) => sum + parseInt(s.dataset.minutes, 10) * 60, 0);
  const firstStage = stages.length ? stages[0].dataset.stage : null;

  let data = null;
  try { data = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { data = null; }
  data = data || { startedAt: null, current: firstStage, spent: {}, tick: null };
  if (!data.startedAt && startedAt) {
    data.startedAt = Date.parse(startedAt);
    data.tick = Date.now();
  }

  function keep() {
    try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* ignore */ }
  }

  function startAt(moment) {
    data.startedAt = moment;
    data.tick = Date.now();
    data.spent = {};
    data.current = data.current || firstStage;
    keep();
    onStart(new Date(moment).toISOString());
  }

  function autoStart() {
    if (data.startedAt) return;
    const begins = Date.parse(sessionStarts || "");
    const ends = Date.parse(sessionEnds || "");
    const now = Date.now();
    if (begins && now >= begins && !(ends && now > ends + LATE_REVIEW_MS)) startAt(begins);
  }

  function tick() {
    autoStart();
    if (!data.startedAt) return;
    const now = Date.now();
    if (data.current) data.spent[data.current] = (data.spent[data.current] || 0) + (now - (data.tick || now));
    data.tick = now;
    keep();
    render();
  }

  function render() {
    const stage = stages.find((s) => s.dataset.stage === data.current);
    const budget = stage ? parseInt(stage.dataset.minutes, 10) * 60 : 0;
    const spent = stage ? (data.spent[data.current] || 0) / 1000 : 0;
    const total = data.startedAt ? (Date.now() - data.startedAt) / 1000 : 0;
    const overall = total - totalBudget;
    totalOut.textContent = format(total) + (data.startedAt && overall > 0 ? " (+" + format(overall) + " over)" : "");
    element.classList.toggle("over-total", !!data.startedAt && overall > 0);
    stageOut.textContent = format(spent) + (spent > budget && budget ? " (+" + format(spent - budget) + " over)" : "");
    budgetOut.textContent = budget ? format(budget) : "–";
    element.classList.toggle("over", !!budget && spent > budget);
    element.classList.toggle("running", !!data.startedAt);
    startButton.textContent = data.startedAt ? "Restart the clock" : "Start the clock now";
    stageLinks.forEach((link) => {
      if (link.dataset.stageLink === data.current) link.setAttribute("aria-current", "step");
      else link.removeAttribute("aria-current");
    });
    stages.forEach((s) => s.classList.toggle("current", s.dataset.stage === data.current));
    onRender();
  }

  function setCurrent(stageKey) {
    if (stageKey === data.current) return;
    tick();
    data.current = stageKey;
    keep();
    render();
    onStageChange();  // changing stage is a natural moment to save
  }

  startButton.addEventListener("click", () => {
    data.current = firstStage;
    startAt(Date.now());
    render();
    const notes = stages[0] && stages[0].querySelector("textarea");
    if (notes) notes.focus();
  });
  stageLinks.forEach((link) => {
    link.addEventListener("click", () => setCurrent(link.dataset.stageLink));
  });
  form.addEventListener("input", () => {
    if (!data.startedAt) {
      startAt(Date.now());
      render();
    }
  });
  form.addEventListener("focusin", (event) => {
    const stage = event.target.closest("section.stage[data-stage]");
    if (stage) setCurrent(stage.dataset.stage);
  });

  element.hidden = false;
  autoStart();
  setInterval(tick, 1000);

  return {
    render,
    current: () => data.current,
    setCurrent,
    remainingSeconds() {
      return data.startedAt ? totalBudget - (Date.now() - data.startedAt) / 1000 : null;
    },
  };
}
