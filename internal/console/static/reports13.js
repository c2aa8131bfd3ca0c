// The Journal extract's progress (issue 13): the download is named with a
// random job token; while it streams, the page polls the desk for the rows
// written and says them in the status line (aria-live), until it ends.
(function () {
  "use strict";
  var form = document.querySelector("form[data-export-progress]");
  if (!form) return;
  var job = form.querySelector("input[name=job]");
  var status = document.getElementById(form.getAttribute("data-export-progress"));
  if (!job || !status) return;
  var timer = null;
  function token() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }
  function poll(tok, misses) {
    fetch("/reports/progress/" + tok, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 404) { throw new Error("404"); }
        return r.json();
      })
      .then(function (s) {
        if (s.text) status.textContent = s.text;
        if (!s.done) timer = setTimeout(function () { poll(tok, 0); }, 700);
      })
      .catch(function () {
        // Not started yet (the download's first request is on its way), or
        // another desk process: a few more tries, then silence.
        if (misses < 8) timer = setTimeout(function () { poll(tok, misses + 1); }, 700);
      });
  }
  form.addEventListener("submit", function (e) {
    var sub = e.submitter;
    if (sub && sub.getAttribute("formaction")) { job.value = ""; return; } // the compliance report: a page, not a download
    if (timer) clearTimeout(timer);
    var tok = token();
    job.value = tok;
    status.textContent = status.getAttribute("data-started") || "";
    timer = setTimeout(function () { poll(tok, 0); }, 300);
  });
})();
