// The live interview page: wires the fields, the save queue and its local copy, the clock,
// coverage and the keyboard together. Saves go out shortly after typing pauses, on leaving a
// field, on changing stage and on hiding the page.

import { createClock } from "./clock.js";
import { createConflictView } from "./conflicts.js";
import { createCoverage } from "./coverage.js";
import { createFields } from "./fields.js";
import { installKeyboard } from "./keyboard.js";
import { createLocalCopy } from "./local-copy.js";
import { createSaveQueue } from "./save-queue.js";
import { createSignIn } from "./sign-in.js";

const root = document.getElementById("interview");
if (root) start(root);

function start(root) {
  const page = root.dataset;
  const form = document.getElementById("scorecard-form");
  const stages = Array.from(form.querySelectorAll("section.stage[data-stage]"));
  const stageLinks = document.querySelectorAll("[data-stage-link]");
  const fields = createFields(form);
  const localCopy = createLocalCopy(page.scorecardId);

  let clock = null;
  const coverage = createCoverage({
    items: document.querySelectorAll("[data-coverage]"),
    warning: document.getElementById("coverage-warning"),
    fields,
    minEvidence: parseInt(page.minEvidence, 10),
    warningMinutes: parseInt(page.warningMinutes, 10),
    labels: JSON.parse(page.coverageLabels),
    remainingSeconds: () => (clock ? clock.remainingSeconds() : null),
  });

  let queue = null;
  const signIn = createSignIn({
    tokenUrl: page.tokenUrl,
    loginUrl: page.loginUrl,
    form,
    dialog: document.getElementById("sign-in-dialog"),
    onSignedIn: () => queue.resume(),
  });
  const conflictView = createConflictView({
    form,
    fields,
    template: document.getElementById("conflict-template"),
    onResolve: (path, choice) => queue.resolve(path, choice),
  });
  queue = createSaveQueue({
    url: page.autosaveUrl,
    version: parseInt(page.version, 10),
    fields,
    localCopy,
    signIn,
    conflictView,
    statusLine: document.getElementById("save-status"),
    baseVersionInput: document.getElementById("base-version"),
    onChange: coverage.update,
    timeZone: page.timeZone || undefined,
  });

  clock = createClock({
    form,
    stages,
    stageLinks,
    scorecardId: page.scorecardId,
    startedAt: page.clockStarted,
    sessionStarts: page.sessionStarts,
    sessionEnds: page.sessionEnds,
    onStart(moment) {
      queue.set("clock_started_at", moment);
      queue.save();
    },
    onStageChange: () => queue.save(),
    onRender: coverage.update,
  });
  clock.render();
  installKeyboard({ form, stages, clock });

  const fieldOf = (target) => (target && target.dataset ? target.dataset.field : null);
  form.addEventListener("input", (event) => {
    const path = fieldOf(event.target);
    if (path) queue.typed(path);
  });
  form.addEventListener("change", (event) => {
    const path = fieldOf(event.target);
    if (path) {
      queue.note(path);
      queue.save();
    }
  });
  form.addEventListener("focusout", (event) => {
    if (fieldOf(event.target)) queue.save();
  });

  // Signed in again in another tab: pick the new session up when this page is looked at again.
  function recheckSignIn() {
    if (queue.blocked() !== "auth") return;
    signIn.refresh().then((signedIn) => {
      if (signedIn) {
        signIn.close();
        queue.resume();
      }
    }, () => {});
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") queue.save({ keepalive: true });
    else recheckSignIn();
  });
  window.addEventListener("pagehide", () => queue.save({ keepalive: true }));
  window.addEventListener("focus", recheckSignIn);
  window.addEventListener("online", () => queue.retryNow());

  // The plain form post still works, but first send what is pending and renew the token.
  let submitting = false;
  form.addEventListener("submit", (event) => {
    if (submitting) return;
    event.preventDefault();
    const submitter = event.submitter;
    queue.keep();
    signIn.refresh().then((signedIn) => {
      if (!signedIn) {
        queue.signedOut();
        return undefined;
      }
      return queue.save().then(() => {
        if (queue.hasConflicts()) return;
        submitting = true;
        if (submitter && form.requestSubmit) form.requestSubmit(submitter);
        else form.submit();
      });
    }, () => queue.setStatus("Offline — kept on this device", "offline"));
  });

  queue.restore(localCopy.load(), ["clock_started_at"]);
}
