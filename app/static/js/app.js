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

  // "Sign in with …" is a link to the provider; it carries the "keep me signed in" tick. Without
  // JavaScript it keeps the tick's default (ticked).
  var ssoStart = document.querySelector("a[data-sso-start]");
  var remember = document.getElementById("remember");
  if (ssoStart && remember) {
    var carryTick = function () {
      var url = new URL(ssoStart.href);
      if (remember.checked) url.searchParams.delete("remember");
      else url.searchParams.set("remember", "0");
      ssoStart.href = url.toString();
    };
    remember.addEventListener("change", carryTick);
    carryTick();
  }

  // The answer bank's search: hide the answers that miss any typed word. Without JavaScript
  // every answer simply shows.
  document.querySelectorAll("[data-answer-bank]").forEach(function (bank) {
    var search = bank.querySelector("[data-answer-search]");
    var none = bank.querySelector("[data-answer-none]");
    var answers = Array.prototype.slice.call(bank.querySelectorAll("[data-answer-text]"));
    search.addEventListener("input", function () {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      answers.forEach(function (answer) {
        var text = answer.getAttribute("data-answer-text");
        var match = words.every(function (word) { return text.indexOf(word) !== -1; });
        answer.hidden = !match;
        if (match) shown += 1;
      });
      none.hidden = shown > 0 || answers.length === 0;
    });
    // Enter in the search box must not submit the scorecard around it.
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
  });

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
