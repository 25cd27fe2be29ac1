// Add an interview: offer only the chosen rubric's competencies as focus. The others are
// hidden and disabled (so a box ticked before the rubric changed is not sent). Without this
// script every rubric's group shows under its title, and planning refuses a mismatch by name.
(function () {
  "use strict";
  var rubric = document.getElementById("rubric_id");
  var groups = document.querySelectorAll(".focus-choices[data-rubric-id]");
  if (!rubric || !groups.length) return;

  function offer() {
    var chosen = rubric.value;
    groups.forEach(function (group) {
      var shown = group.getAttribute("data-rubric-id") === chosen;
      group.hidden = !shown;
      group.querySelectorAll("input").forEach(function (box) {
        box.disabled = !shown;
      });
    });
    var hint = document.getElementById("focus-pick-rubric");
    if (hint) hint.hidden = chosen !== "0" && chosen !== "";
  }

  rubric.addEventListener("change", offer);
  offer();
})();
