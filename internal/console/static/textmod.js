// tenderdesk console: a text module into the reply box at the cursor
// (without this file the "insert" button posts the form and the server
// puts it at the end).
(function () {
  "use strict";
  var btn = document.querySelector("[data-tm-insert]");
  var box = document.getElementById("reply-text");
  if (!btn || !box) return;
  btn.addEventListener("click", function (e) {
    var pick = document.querySelector("[data-tm-pick]"), lang = document.querySelector("[data-tm-lang]");
    var opt = pick && pick.selectedOptions[0];
    if (!opt || !lang) return;
    var text = opt.dataset[lang.value];
    if (text == null) return;
    e.preventDefault();
    var start = box.selectionStart == null ? box.value.length : box.selectionStart;
    var end = box.selectionEnd == null ? start : box.selectionEnd;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.focus();
    box.setSelectionRange(start + text.length, start + text.length);
    box.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
