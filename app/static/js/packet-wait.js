// The packet is still being prepared. Ask again every few seconds without reloading the page
// (a timed reload makes screen readers start the page over, WCAG 2.2.1), and once the server
// answers with the file, hand it over as a download and say so in the status line.
(function () {
  "use strict";
  var status = document.getElementById("packet-status");
  if (!status || !window.fetch) return;
  var url = window.location.href;

  function delayFrom(response) {
    var seconds = parseInt(response && response.headers.get("Retry-After"), 10);
    return (seconds > 0 ? seconds : 3) * 1000;
  }

  function filenameFrom(response) {
    var match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    return match ? match[1] : "debrief-packet";
  }

  function deliver(response) {
    return response.blob().then(function (blob) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = filenameFrom(response);
      link.textContent = "Download " + link.download + " again";
      status.textContent = "Ready: your download has started. ";
      status.appendChild(link);
      link.click();
    });
  }

  function check() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 202) {
          window.setTimeout(check, delayFrom(response));
        } else if (response.ok) {
          return deliver(response);
        } else if (response.status === 503) {
          // Given up: the page at this address now says why and what can be done.
          window.location.replace(url);
        } else {
          status.textContent = "The packet could not be fetched (" + response.status + "). Reload this page to try again.";
        }
      })
      .catch(function () {
        // Offline for a moment: keep asking, a little less often.
        window.setTimeout(check, 6000);
      });
  }

  window.setTimeout(check, 3000);
})();
