// Shortcuts for typing mid-call: Alt+N / Alt+P move between stages, and 1-4 choose a level
// while a level's radio group has focus.

export function installKeyboard({ form, stages, clock }) {
  function goToStage(offset) {
    const index = stages.findIndex((s) => s.dataset.stage === clock.current());
    const next = stages[Math.min(stages.length - 1, Math.max(0, index + offset))];
    if (!next) return;
    clock.setCurrent(next.dataset.stage);
    next.scrollIntoView({ block: "start" });
    (next.querySelector("textarea") || next).focus();
  }

  document.addEventListener("keydown", (event) => {
    if (event.altKey && !event.ctrlKey && !event.metaKey) {
      const key = event.key.toLowerCase();
      if (key === "n" || event.code === "KeyN") { event.preventDefault(); goToStage(1); return; }
      if (key === "p" || event.code === "KeyP") { event.preventDefault(); goToStage(-1); return; }
    }
    if (!/^[1-4]$/.test(event.key) || event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target;
    if (target.type !== "radio" || !/\.level$/.test(target.name)) return;
    const choice = form.querySelector('input[name="' + target.name + '"][value="' + event.key + '"]');
    if (choice) {
      event.preventDefault();
      choice.checked = true;
      choice.focus();
      choice.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
}
