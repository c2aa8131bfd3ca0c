// console-b: an apply running in the background shows its progress; the
// page reloads with the result when it ends. Without script the page has a
// link to look again.
(function () {
  "use strict";
  var box = document.querySelector("[data-apply-progress]");
  if (!box || box.getAttribute("data-apply-running") !== "true") return;
  var bar = box.querySelector("progress"), text = box.querySelector("[data-apply-text]");
  function poll() {
    fetch(box.getAttribute("data-apply-progress"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (bar) { bar.max = s.total || 1; bar.value = s.done; }
        if (text && s.text) text.textContent = s.text;
        if (s.running) { setTimeout(poll, 1000); return; }
        var u = new URL(location.href);
        u.hash = "apply";
        location.replace(u.toString());
        location.reload();
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
