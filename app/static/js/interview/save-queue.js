// Autosave that never loses a word. Every change is pending (and kept on this device) until
// the server confirms it. One save at a time, each from the version the last one returned.
// Only a 2xx JSON answer with a version counts as saved: a redirect, a 401, a CSRF error or a
// network failure leaves the text pending, on this device, and says so.

import { mergeTexts } from "./conflicts.js";
import { isEmpty, same } from "./fields.js";

const TYPING_PAUSE_MS = 800;
const SIGNED_OUT = "Signed out — kept on this device. Sign in to save.";
const OFFLINE = "Offline — kept on this device";

function pad(n) { return (n < 10 ? "0" : "") + n; }

// "Saved at" in the interviewer's profile zone, named, like every other time on the page (the
// device's clock zone may be another one).
function clockTime(date, timeZone) {
  try {
    return new Intl.DateTimeFormat("en-GB", {
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone, timeZoneName: "short",
    }).format(date);
  } catch (e) {
    return pad(date.getHours()) + ":" + pad(date.getMinutes());
  }
}

export function createSaveQueue({
  url, version, fields, localCopy, signIn, conflictView, statusLine, baseVersionInput, onChange,
  timeZone,
}) {
  const state = {
    version,
    pending: {},     // path -> value the server has not confirmed
    conflicts: {},   // path -> the server's value, awaiting the interviewer's choice
    rejected: {},    // path -> message, for values the server refused (not resent until edited)
    full: false,     // refused because the whole scorecard was over its limit
    inflight: null,  // the running save (a Promise)
    timer: null,
    retryMs: 0,
    blocked: null,   // "auth" | "too-large" | "submitted": saving waits for the interviewer
  };

  function setStatus(text, kind) {
    statusLine.textContent = text;
    statusLine.className = "save-status" + (kind ? " status-" + kind : "");
  }

  function keep() {
    localCopy.keep(state.version, state.pending);
  }

  function changed() {
    keep();
    onChange();
  }

  function sendable() {
    const changes = {};
    for (const path in state.pending) {
      if (!(path in state.conflicts) && !(path in state.rejected)) changes[path] = state.pending[path];
    }
    return changes;
  }

  function schedule(delayMs) {
    clearTimeout(state.timer);
    state.timer = setTimeout(save, delayMs);
  }

  function save(options = {}) {
    clearTimeout(state.timer);
    if (state.blocked) return Promise.resolve(false);
    if (state.inflight) return state.inflight.then(() => save(options));
    const changes = sendable();
    if (isEmpty(changes)) return Promise.resolve(true);
    const body = JSON.stringify({ base_version: state.version, changes });
    setStatus("Saving…", "saving");
    state.inflight = fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "error",  // a redirect (to a sign-in page) is never a save
      keepalive: !!options.keepalive && body.length < 60000,
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": signIn.token(),
      },
      body,
    }).then(
      (response) => response.json().catch(() => ({}))
        .then((answer) => handleAnswer(response.status, answer, changes)),
      () => notSaved(OFFLINE, "offline"),
    ).then((result) => {
      state.inflight = null;
      if (!state.blocked && !isEmpty(sendable())) schedule(state.retryMs || TYPING_PAUSE_MS);
      return result;
    });
    return state.inflight;
  }

  function signedOut() {
    state.blocked = "auth";
    signIn.open();
    return notSaved(SIGNED_OUT, "offline");
  }

  function handleAnswer(status, answer, sent) {
    if (status === 200 && typeof answer.version === "number") {
      accept(answer, sent);
      state.retryMs = 0;
      const when = clockTime(answer.saved_at ? new Date(answer.saved_at) : new Date(), timeZone);
      if (isEmpty(state.pending)) setStatus("Saved " + when, "saved");
      else setStatus("Saved " + when + " · more to save", "saving");
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
    if (status === 401) return signedOut();
    if (status === 400 && answer.code === "csrf") {
      return signIn.refresh().then((signedIn) => {
        if (!signedIn) return signedOut();
        return notSaved("Renewing the form — kept on this device", "saving", 50);
      }, () => notSaved(OFFLINE, "offline"));
    }
    if (status === 413) {
      state.blocked = "too-large";
      return notSaved(String(answer.error || "Too large to save"), "error");
    }
    if (status === 400 && answer.fields) {
      Object.assign(state.rejected, answer.fields);
      state.full = answer.code === "scorecard_full";
      const reasons = [...new Set(Object.values(state.rejected))];
      return notSaved("Not saved: " + reasons.join("; "), "error");
    }
    return notSaved("Not saved yet (server problem) — kept on this device", "offline");
  }

  function notSaved(text, kind, retryMs) {
    setStatus(text, kind);
    state.retryMs = retryMs !== undefined ? retryMs : Math.min(Math.max(state.retryMs * 2, 2000), 30000);
    return false;
  }

  function accept(answer, sent) {
    state.version = answer.version;
    baseVersionInput.value = answer.version;
    const conflicts = answer.conflicts || {};
    for (const path in sent) {
      if (path in conflicts) continue;
      if (path in state.pending && same(state.pending[path], sent[path])) delete state.pending[path];
    }
    const updated = answer.updated || {};
    const surprise = {};
    for (const path in updated) {
      if (path in state.pending && !same(state.pending[path], updated[path])) {
        surprise[path] = updated[path];  // typed here while it changed there: let them choose
      } else {
        delete state.pending[path];
        fields.write(path, updated[path]);
      }
    }
    if (!isEmpty(surprise)) showConflicts(surprise, state.pending);
    changed();
  }

  function showConflicts(conflicts, mine) {
    for (const path in conflicts) {
      state.conflicts[path] = conflicts[path];
      conflictView.show(path, mine[path], conflicts[path]);
    }
  }

  function resolve(path, choice) {
    const theirs = state.conflicts[path];
    delete state.conflicts[path];
    if (choice === "theirs") {
      delete state.pending[path];
      fields.write(path, theirs);
    } else if (choice === "merge") {
      state.pending[path] = mergeTexts(state.pending[path], theirs);
      fields.write(path, state.pending[path]);
    }
    // "mine": the pending value stays and now goes on top of the current version.
    conflictView.remove(path);
    changed();
    const input = fields.inputsFor(path)[0];
    if (choice === "merge" && input) input.focus();
    save();
  }

  // The interviewer changed a field: it is pending from now on.
  function note(path) {
    state.pending[path] = fields.read(path);
    delete state.rejected[path];
    if (state.full) {
      // The scorecard was full: after any edit, every refused field may fit again.
      state.rejected = {};
      state.full = false;
    }
    if (state.blocked === "too-large") state.blocked = null;
    changed();
  }

  function typed(path) {
    note(path);
    if (!state.blocked) setStatus("Unsaved changes", "saving");
    schedule(TYPING_PAUSE_MS);
  }

  function set(path, value) {
    fields.write(path, value);
    state.pending[path] = value;
    changed();
  }

  function resume() {
    state.blocked = null;
    state.retryMs = 0;
    return save();
  }

  // What an earlier page (reload, crash, lost connection) kept on this device goes out again.
  function restore(kept, extraPaths) {
    if (!kept || !kept.pending || isEmpty(kept.pending)) return;
    for (const path in kept.pending) {
      if (fields.has(path) || extraPaths.includes(path)) {
        state.pending[path] = kept.pending[path];
        fields.write(path, kept.pending[path]);
      }
    }
    if (typeof kept.version === "number" && kept.version < state.version) state.version = kept.version;
    setStatus("Restored text kept on this device — saving…", "saving");
    onChange();
    save();
  }

  return {
    save,
    note,
    typed,
    set,
    resolve,
    resume,
    restore,
    keep,
    setStatus,
    signedOut,
    retryNow() { state.retryMs = 0; return save(); },
    blocked: () => state.blocked,
    hasConflicts: () => !isEmpty(state.conflicts),
  };
}
