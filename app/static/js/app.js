// On every page: interview notes kept on this device are removed when the person signs out.
(function () {
  "use strict";
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
