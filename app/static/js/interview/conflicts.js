// A field changed in another tab or device while typed here: show both versions beside the
// field and let the interviewer keep theirs, take the saved one, or merge the two.

// Both versions usually grew from the same saved text: keep what they share once, cut back to
// the last line break or else the last sentence end (never mid-sentence), then each one's own
// addition.
function sharedStart(a, b) {
  let length = 0;
  while (length < a.length && length < b.length && a[length] === b[length]) length += 1;
  const common = a.slice(0, length);
  const line = common.lastIndexOf("\n");
  if (line >= 0) return line + 1;
  const sentence = Math.max(common.lastIndexOf(". "), common.lastIndexOf("! "), common.lastIndexOf("? "));
  return sentence >= 0 ? sentence + 2 : 0;
}

export function mergeTexts(mine, theirs) {
  if (!theirs) return mine;
  if (!mine) return theirs;
  if (mine.indexOf(theirs) >= 0) return mine;
  if (theirs.indexOf(mine) >= 0) return theirs;
  const shared = sharedStart(mine, theirs);
  const ownMine = mine.slice(shared).trim();
  const ownTheirs = theirs.slice(shared).trim();
  const start = mine.slice(0, shared).trimEnd();
  return [start, ownMine, ownTheirs].filter(Boolean).join("\n\n");
}

function display(value) {
  if (value === null || value === undefined || value === "") return "(empty)";
  return String(value);
}

export function createConflictView({ form, fields, template, onResolve }) {
  function anchorFor(path) {
    const inputs = fields.inputsFor(path);
    if (!inputs.length) return null;
    const first = inputs[0];
    return first.type === "radio" ? first.closest(".levels, .recommendation") : first.closest(".field");
  }

  function show(path, mine, theirs) {
    const anchor = anchorFor(path);
    if (!anchor) return;
    const old = anchor.querySelector(".live-conflict");
    if (old) old.remove();
    const box = template.content.firstElementChild.cloneNode(true);
    box.dataset.conflictFor = path;
    box.querySelector(".conflict-mine").textContent = display(mine);
    box.querySelector(".conflict-theirs").textContent = display(theirs);
    if (typeof theirs !== "string") box.querySelector('[data-resolve="merge"]').hidden = true;
    anchor.appendChild(box);
  }

  function remove(path) {
    const box = form.querySelector('.live-conflict[data-conflict-for="' + path + '"]');
    if (box) box.remove();
  }

  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-resolve]");
    if (!button) return;
    onResolve(button.closest(".live-conflict").dataset.conflictFor, button.dataset.resolve);
  });

  return { show, remove };
}
