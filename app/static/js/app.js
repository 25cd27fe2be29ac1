// On every page.
(function () {
  "use strict";

  // A form came back with problems: move focus to its summary at the top, so it is read out
  // first and its links lead to each field. (An alert present at load is not always announced.)
  var summary = document.querySelector(".error-summary[tabindex='-1']");
  if (summary) {
    var details = summary.closest("details");
    if (details) details.open = true;
    summary.focus();
  }

  // Interview notes kept on this device are removed when the person signs out.
  var form = document.querySelector("form[action$='/logout']");
  if (!form) return;
  form.addEventListener("submit", function () {
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var key = localStorage.key(i);
        if (key && key.indexOf("loopkit:") === 0) localStorage.removeItem(key);
      }
    } catch (e) { /* storage unavailable: nothing kept, nothing to clear */ }
  });
})();
