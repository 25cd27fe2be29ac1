// The live interview: autosave that never loses a word, the clock, coverage and shortcuts.
//
// Every change is kept in localStorage (keyed by scorecard) until the server confirms it, then
// sent shortly after typing pauses, on leaving a field, on changing stage and on hiding the page.
// Only a 2xx JSON answer with a version counts as saved: a redirect, a 401, a CSRF error or a
// network failure leaves the text pending, on this device, and says so.
(function () {
  "use strict";

  var root = document.getElementById("interview");
  if (!root) return;
  var form = document.getElementById("scorecard-form");
  var statusLine = document.getElementById("save-status");
  var baseVersionInput = document.getElementById("base-version");
  var signInDialog = document.getElementById("sign-in-dialog");
  var conflictTemplate = document.getElementById("conflict-template");

  var config = {
    scorecardId: root.dataset.scorecardId,
    autosaveUrl: root.dataset.autosaveUrl,
    tokenUrl: root.dataset.tokenUrl,
    loginUrl: root.dataset.loginUrl,
    minEvidence: parseInt(root.dataset.minEvidence, 10),
    warningMinutes: parseInt(root.dataset.warningMinutes, 10),
    typingPauseMs: 800,
  };
  var storageKey = "loopkit:scorecard:" + config.scorecardId;
  var clockKey = "loopkit:clock:" + config.scorecardId;

  var state = {
    version: parseInt(root.dataset.version, 10),
    pending: {},     // path -> value the server has not confirmed
    conflicts: {},   // path -> the server's value, awaiting the interviewer's choice
    rejected: {},    // path -> message, for values the server refused (not resent until edited)
    inflight: null,  // the running save (a Promise)
    timer: null,
    retryMs: 0,
    blocked: null,   // "auth" | "too-large" | "submitted": saving waits for the interviewer
    token: form.querySelector("input[name=csrf_token]").value,
    submitting: false,
  };

  // ---- fields ---------------------------------------------------------------------------

  function inputsFor(path) {
    return form.querySelectorAll('[data-field="' + path.replace(/"/g, '\\"') + '"]');
  }

  function readField(path) {
    var inputs = inputsFor(path);
    if (!inputs.length) return undefined;
    var first = inputs[0];
    if (first.type === "radio") {
      for (var i = 0; i < inputs.length; i++) {
        if (inputs[i].checked) {
          return /\.level$/.test(path) ? parseInt(inputs[i].value, 10) : inputs[i].value;
        }
      }
      return null;
    }
    if (first.type === "checkbox") return first.checked;
    return first.value;
  }

  function writeField(path, value) {
    var inputs = inputsFor(path);
    if (!inputs.length) return;
    var first = inputs[0];
    if (first.type === "radio") {
      for (var i = 0; i < inputs.length; i++) {
        inputs[i].checked = value !== null && String(inputs[i].value) === String(value);
      }
    } else if (first.type === "checkbox") {
      first.checked = !!value;
    } else {
      first.value = value === null || value === undefined ? "" : value;
    }
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  // ---- local copy -----------------------------------------------------------------------

  function persist() {
    try {
      if (isEmpty(state.pending)) {
        localStorage.removeItem(storageKey);
      } else {
        localStorage.setItem(storageKey, JSON.stringify({
          version: state.version, pending: state.pending, keptAt: new Date().toISOString(),
        }));
      }
    } catch (e) { /* private mode or full: the server copy is the first line anyway */ }
  }

  function loadKept() {
    try {
      return JSON.parse(localStorage.getItem(storageKey) || "null");
    } catch (e) {
      return null;
    }
  }

  function isEmpty(object) {
    for (var key in object) if (Object.prototype.hasOwnProperty.call(object, key)) return false;
    return true;
  }

  // ---- status line ----------------------------------------------------------------------

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function clockTime(date) { return pad(date.getHours()) + ":" + pad(date.getMinutes()); }

  function setStatus(text, kind) {
    statusLine.textContent = text;
    statusLine.className = "save-status" + (kind ? " status-" + kind : "");
  }

  // ---- saving ---------------------------------------------------------------------------

  function changedFields() {
    var changes = {};
    for (var path in state.pending) {
      if (!(path in state.conflicts) && !(path in state.rejected)) changes[path] = state.pending[path];
    }
    return changes;
  }

  function schedule(delayMs) {
    clearTimeout(state.timer);
    state.timer = setTimeout(save, delayMs);
  }

  function save(options) {
    options = options || {};
    clearTimeout(state.timer);
    if (state.blocked) return Promise.resolve(false);
    if (state.inflight) {
      // One save at a time: the next one starts from the version this one returns.
      return state.inflight.then(function () { return save(options); });
    }
    var changes = changedFields();
    if (isEmpty(changes)) return Promise.resolve(true);
    var body = JSON.stringify({ base_version: state.version, changes: changes });
    setStatus("Saving…", "saving");
    state.inflight = fetch(config.autosaveUrl, {
      method: "POST",
      credentials: "same-origin",
      redirect: "error",  // a redirect (to a sign-in page) is never a save
      keepalive: !!options.keepalive && body.length < 60000,
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": state.token,
      },
      body: body,
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        return handleAnswer(response.status, answer, changes);
      });
    }, function () {
      return notSaved("Offline — kept on this device", "offline");
    }).then(function (result) {
      state.inflight = null;
      if (!state.blocked && !isEmpty(changedFields())) schedule(state.retryMs || config.typingPauseMs);
      return result;
    });
    return state.inflight;
  }

  function handleAnswer(status, answer, sent) {
    if (status === 200 && typeof answer.version === "number") {
      accept(answer, sent);
      state.retryMs = 0;
      var when = answer.saved_at ? new Date(answer.saved_at) : new Date();
      if (isEmpty(state.pending)) setStatus("Saved " + clockTime(when), "saved");
      else setStatus("Saved " + clockTime(when) + " · more to save", "saving");
      return true;
    }
    if (status === 409 && answer.conflicts) {
      accept(answer, sent);
      state.retryMs = 0;
      showConflicts(answer.conflicts, sent);
      setStatus("Changed elsewhere — choose what to keep", "conflict");
      return false;
    }
    if (status === 409 && answer.code === "submitted") {
      state.blocked = "submitted";
      return notSaved("Submitted elsewhere — your latest text is kept on this device", "error");
    }
    if (status === 401) {
      state.blocked = "auth";
      openSignIn();
      return notSaved("Signed out — kept on this device. Sign in to save.", "offline");
    }
    if (status === 400 && answer.code === "csrf") {
      return refreshToken().then(function (signedIn) {
        if (!signedIn) {
          state.blocked = "auth";
          openSignIn();
          return notSaved("Signed out — kept on this device. Sign in to save.", "offline");
        }
        return notSaved("Renewing the form — kept on this device", "saving", 50);
      }, function () {
        return notSaved("Offline — kept on this device", "offline");
      });
    }
    if (status === 413) {
      state.blocked = "too-large";
      return notSaved((answer.error || "Too large to save") + "", "error");
    }
    if (status === 400 && answer.fields) {
      for (var path in answer.fields) state.rejected[path] = answer.fields[path];
      return notSaved("Not saved: " + describeRejected(), "error");
    }
    return notSaved("Not saved yet (server problem) — kept on this device", "offline");
  }

  function notSaved(text, kind, retryMs) {
    setStatus(text, kind);
    if (retryMs !== undefined) {
      state.retryMs = retryMs;
    } else {
      state.retryMs = Math.min(Math.max(state.retryMs * 2, 2000), 30000);
    }
    return false;
  }

  function describeRejected() {
    var parts = [];
    for (var path in state.rejected) parts.push(state.rejected[path]);
    return parts.join("; ");
  }

  function accept(answer, sent) {
    state.version = answer.version;
    baseVersionInput.value = answer.version;
    var conflicts = answer.conflicts || {};
    for (var path in sent) {
      if (path in conflicts) continue;
      if (path in state.pending && same(state.pending[path], sent[path])) delete state.pending[path];
    }
    var updated = answer.updated || {};
    var surprise = {};
    for (var other in updated) {
      if (other in state.pending && !same(state.pending[other], updated[other])) {
        surprise[other] = updated[other];  // typed here while it changed there: let them choose
      } else {
        delete state.pending[other];
        writeField(other, updated[other]);
      }
    }
    if (!isEmpty(surprise)) showConflicts(surprise, state.pending);
    persist();
    updateCoverage();
  }

  // ---- conflicts ------------------------------------------------------------------------

  function conflictAnchor(path) {
    var inputs = inputsFor(path);
    if (!inputs.length) return null;
    var first = inputs[0];
    return first.type === "radio" ? first.closest(".levels, .recommendation") : first.closest(".field");
  }

  function showConflicts(conflicts, mine) {
    for (var path in conflicts) {
      state.conflicts[path] = conflicts[path];
      var anchor = conflictAnchor(path);
      if (!anchor) continue;
      var old = anchor.querySelector(".live-conflict");
      if (old) old.remove();
      var box = conflictTemplate.content.firstElementChild.cloneNode(true);
      box.dataset.conflictFor = path;
      box.querySelector(".conflict-mine").textContent = display(mine[path]);
      box.querySelector(".conflict-theirs").textContent = display(conflicts[path]);
      if (typeof conflicts[path] !== "string") box.querySelector('[data-resolve="merge"]').hidden = true;
      anchor.appendChild(box);
    }
  }

  function display(value) {
    if (value === null || value === undefined || value === "") return "(empty)";
    return String(value);
  }

  function resolveConflict(path, choice) {
    var theirs = state.conflicts[path];
    var mine = state.pending[path];
    delete state.conflicts[path];
    if (choice === "theirs") {
      delete state.pending[path];
      writeField(path, theirs);
    } else if (choice === "merge") {
      var merged = !theirs ? mine : !mine ? theirs :
        (mine.indexOf(theirs) >= 0 ? mine : theirs.indexOf(mine) >= 0 ? theirs :
          mine + "\n\n" + theirs);
      state.pending[path] = merged;
      writeField(path, merged);
    }
    // "mine": the pending value stays and now goes on top of the current version.
    var box = form.querySelector('.live-conflict[data-conflict-for="' + path + '"]');
    if (box) box.remove();
    persist();
    updateCoverage();
    var input = inputsFor(path)[0];
    if (choice === "merge" && input) input.focus();
    save();
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-resolve]");
    if (!button) return;
    var box = button.closest(".live-conflict");
    resolveConflict(box.dataset.conflictFor, button.dataset.resolve);
  });

  // ---- sign-in and tokens ---------------------------------------------------------------

  function refreshToken() {
    return fetch(config.tokenUrl, {
      credentials: "same-origin", redirect: "error", headers: { "Accept": "application/json" },
    }).then(function (response) { return response.json(); }).then(function (answer) {
      state.token = answer.csrf_token;
      // Every form on the page (sign-out too) carries the renewed token.
      document.querySelectorAll("input[name=csrf_token]").forEach(function (input) {
        input.value = answer.csrf_token;
      });
      return !!answer.signed_in;
    });
  }

  function openSignIn() {
    if (signInDialog && !signInDialog.open && typeof signInDialog.showModal === "function") {
      signInDialog.showModal();
      var email = document.getElementById("sign-in-email");
      if (email) email.focus();
    }
  }

  function resume() {
    state.blocked = null;
    state.retryMs = 0;
    if (signInDialog && signInDialog.open) signInDialog.close();
    return save();
  }

  if (signInDialog) {
    document.getElementById("sign-in-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var errorLine = document.getElementById("sign-in-error");
      errorLine.hidden = true;
      refreshToken().then(function () {
        return fetch(config.loginUrl, {
          method: "POST",
          credentials: "same-origin",
          redirect: "error",
          headers: {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-CSRFToken": state.token,
          },
          body: JSON.stringify({
            email: document.getElementById("sign-in-email").value,
            password: document.getElementById("sign-in-password").value,
            remember: document.getElementById("sign-in-remember").checked,
          }),
        });
      }).then(function (response) {
        return response.json().then(function (answer) {
          if (!response.ok) throw new Error(answer.error || "Sign-in failed.");
          document.getElementById("sign-in-password").value = "";
          return refreshToken();
        });
      }).then(resume, function (error) {
        errorLine.textContent = error.message || "Sign-in failed. Check your connection.";
        errorLine.hidden = false;
      });
    });
  }

  // Signed in again in another tab: pick up the new session when this page is looked at again.
  function recheckSignIn() {
    if (state.blocked !== "auth") return;
    refreshToken().then(function (signedIn) { if (signedIn) resume(); }, function () {});
  }

  // ---- typing ---------------------------------------------------------------------------

  function noteChange(target) {
    var path = target && target.dataset ? target.dataset.field : null;
    if (!path) return null;
    state.pending[path] = readField(path);
    delete state.rejected[path];
    if (state.blocked === "too-large") state.blocked = null;
    persist();
    updateCoverage();
    return path;
  }

  form.addEventListener("input", function (event) {
    if (noteChange(event.target)) {
      if (!state.blocked) setStatus("Unsaved changes", "saving");
      schedule(config.typingPauseMs);
    }
  });
  form.addEventListener("change", function (event) {
    if (noteChange(event.target)) save();
  });
  form.addEventListener("focusout", function (event) {
    if (event.target.dataset && event.target.dataset.field) save();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") save({ keepalive: true });
    else recheckSignIn();
  });
  window.addEventListener("pagehide", function () { save({ keepalive: true }); });
  window.addEventListener("focus", recheckSignIn);
  window.addEventListener("online", function () { state.retryMs = 0; save(); });

  // The plain form post still works, but first send what is pending and renew the token.
  form.addEventListener("submit", function (event) {
    if (state.submitting) return;
    event.preventDefault();
    var submitter = event.submitter;
    persist();
    refreshToken().then(function (signedIn) {
      if (!signedIn) {
        state.blocked = "auth";
        openSignIn();
        setStatus("Signed out — kept on this device. Sign in to save.", "offline");
        return;
      }
      return save().then(function () {
        if (!isEmpty(state.conflicts)) return;
        state.submitting = true;
        if (submitter && form.requestSubmit) form.requestSubmit(submitter);
        else form.submit();
      });
    }, function () {
      setStatus("Offline — kept on this device", "offline");
    });
  });

  // ---- coverage -------------------------------------------------------------------------

  var coverageItems = document.querySelectorAll("[data-coverage]");
  var coverageWarning = document.getElementById("coverage-warning");

  function coverageState(key) {
    var prefix = "rating." + key;
    var level = readField(prefix + ".level");
    var evidence = (readField(prefix + ".evidence") || "").trim();
    var notAssessed = readField(prefix + ".not_assessed");
    var reason = (readField(prefix + ".reason") || "").trim();
    if (notAssessed && reason) return ["not_assessed", "not assessed (reason given)"];
    if (level && evidence.length >= config.minEvidence) return ["done", "rated with evidence"];
    if (!level && !evidence) return ["missing", "no rating or evidence yet"];
    return ["partial", "needs a level and evidence"];
  }

  function openCompetencies() {
    var names = [];
    coverageItems.forEach(function (item) {
      var result = coverageState(item.dataset.coverage);
      item.className = "coverage-" + result[0];
      item.querySelector(".coverage-state").textContent = result[1];
      if (result[0] === "missing" || result[0] === "partial") {
        names.push(item.querySelector("a").textContent);
      }
    });
    return names;
  }

  function updateCoverage() {
    var open = openCompetencies();
    var remaining = clock ? clock.remainingSeconds() : null;
    var text = "";
    if (remaining !== null && remaining <= config.warningMinutes * 60 && open.length) {
      var minutes = Math.max(0, Math.ceil(remaining / 60));
      text = minutes + (minutes === 1 ? " minute" : " minutes") +
        " left. Still no evidence for: " + open.join(", ") + ". Probe now rather than ask for another interview.";
    }
    if (coverageWarning.textContent !== text) coverageWarning.textContent = text;
    coverageWarning.hidden = !text;
  }

  // ---- stages and the clock -------------------------------------------------------------

  var stages = Array.prototype.slice.call(form.querySelectorAll("section.stage[data-stage]"));
  var stageLinks = document.querySelectorAll("[data-stage-link]");
  var totalBudget = stages.reduce(function (sum, s) { return sum + parseInt(s.dataset.minutes, 10) * 60; }, 0);

  var clock = (function () {
    var element = document.getElementById("clock");
    var startButton = document.getElementById("clock-start");
    var totalOut = document.getElementById("clock-total");
    var stageOut = document.getElementById("clock-stage");
    var budgetOut = document.getElementById("clock-stage-budget");
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(clockKey) || "null"); } catch (e) { saved = null; }
    var data = saved || { startedAt: null, current: stages.length ? stages[0].dataset.stage : null, spent: {}, tick: null };
    if (!data.startedAt && root.dataset.clockStarted) {
      data.startedAt = Date.parse(root.dataset.clockStarted);
      data.tick = Date.now();
    }

    function keep() {
      try { localStorage.setItem(clockKey, JSON.stringify(data)); } catch (e) { /* ignore */ }
    }

    function fmt(seconds) {
      var s = Math.max(0, Math.floor(seconds));
      return Math.floor(s / 60) + ":" + pad(s % 60);
    }

    function tick() {
      if (!data.startedAt) return;
      var now = Date.now();
      if (data.current) data.spent[data.current] = (data.spent[data.current] || 0) + (now - (data.tick || now));
      data.tick = now;
      keep();
      render();
    }

    function render() {
      var stage = stages.filter(function (s) { return s.dataset.stage === data.current; })[0];
      var budget = stage ? parseInt(stage.dataset.minutes, 10) * 60 : 0;
      var spent = stage ? (data.spent[data.current] || 0) / 1000 : 0;
      var total = data.startedAt ? (Date.now() - data.startedAt) / 1000 : 0;
      totalOut.textContent = fmt(total);
      stageOut.textContent = fmt(spent) + (spent > budget && budget ? " (+" + fmt(spent - budget) + " over)" : "");
      budgetOut.textContent = budget ? fmt(budget) : "–";
      element.classList.toggle("over", !!budget && spent > budget);
      element.classList.toggle("running", !!data.startedAt);
      startButton.hidden = !!data.startedAt;
      stageLinks.forEach(function (link) {
        if (link.dataset.stageLink === data.current) link.setAttribute("aria-current", "step");
        else link.removeAttribute("aria-current");
      });
      stages.forEach(function (s) { s.classList.toggle("current", s.dataset.stage === data.current); });
      updateCoverage();
    }

    startButton.addEventListener("click", function () {
      data.startedAt = Date.now();
      data.tick = data.startedAt;
      data.spent = {};
      data.current = stages.length ? stages[0].dataset.stage : null;
      keep();
      var moment = new Date(data.startedAt).toISOString();
      writeField("clock_started_at", moment);
      state.pending.clock_started_at = moment;
      persist();
      save();
      render();
      var first = stages[0] && stages[0].querySelector("textarea");
      if (first) first.focus();
    });

    element.hidden = false;
    render();
    setInterval(tick, 1000);

    return {
      current: function () { return data.current; },
      setCurrent: function (key) {
        if (key === data.current) return;
        tick();
        data.current = key;
        keep();
        render();
        save();  // changing stage is a natural moment to save
      },
      remainingSeconds: function () {
        if (!data.startedAt) return null;
        return totalBudget - (Date.now() - data.startedAt) / 1000;
      },
    };
  })();

  function goToStage(offset) {
    var index = stages.findIndex(function (s) { return s.dataset.stage === clock.current(); });
    var next = stages[Math.min(stages.length - 1, Math.max(0, index + offset))];
    if (!next) return;
    clock.setCurrent(next.dataset.stage);
    next.scrollIntoView({ block: "start" });
    var notes = next.querySelector("textarea");
    (notes || next).focus();
  }

  stageLinks.forEach(function (link) {
    link.addEventListener("click", function () { clock.setCurrent(link.dataset.stageLink); });
  });
  form.addEventListener("focusin", function (event) {
    var stage = event.target.closest("section.stage[data-stage]");
    if (stage) clock.setCurrent(stage.dataset.stage);
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey && !event.ctrlKey && !event.metaKey) {
      var key = event.key.toLowerCase();
      if (key === "n" || event.code === "KeyN") { event.preventDefault(); goToStage(1); return; }
      if (key === "p" || event.code === "KeyP") { event.preventDefault(); goToStage(-1); return; }
    }
    // Levels by number: while a level radio (or its group) has focus, 1-4 choose.
    if (/^[1-4]$/.test(event.key) && !event.altKey && !event.ctrlKey && !event.metaKey) {
      var target = event.target;
      if (target.type !== "radio" || !/\.level$/.test(target.name)) return;
      var choice = form.querySelector('input[name="' + target.name + '"][value="' + event.key + '"]');
      if (choice) {
        event.preventDefault();
        choice.checked = true;
        choice.focus();
        choice.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
  });

  // ---- restore what this device kept ----------------------------------------------------

  var kept = loadKept();
  if (kept && kept.pending && !isEmpty(kept.pending)) {
    for (var path in kept.pending) {
      if (inputsFor(path).length || path === "clock_started_at") {
        state.pending[path] = kept.pending[path];
        writeField(path, kept.pending[path]);
      }
    }
    if (typeof kept.version === "number" && kept.version < state.version) state.version = kept.version;
    setStatus("Restored text kept on this device — saving…", "saving");
    updateCoverage();
    save();
  }
})();
