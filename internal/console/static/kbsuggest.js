// Suggestions of approved answers (Q21) while a failure is described: the
// public knowledge base (GET /api/v1/kb?q=&lang=) asked with the longer
// words typed, shown as links under the field. Without JavaScript the form's
// "find answers" button and the registered page list them.
(function () {
  "use strict";
  var field = document.querySelector("[data-kb-suggest]");
  if (!field) return;
  var box = document.getElementById("kb-live");
  var timer = 0, last = "";
  function words(text) {
    var ws = text.toLowerCase().split(/[^a-z0-9\u0400-\u04ff]+/).filter(function (w) { return w.length >= 5; });
    ws.sort(function (a, b) { return b.length - a.length; });
    ws = ws.filter(function (w, i) { return ws.indexOf(w) === i; }).slice(0, 3);
    return ws.map(function (w) { return w.length > 6 ? w.slice(0, w.length - 2) : w; }).join(" ");
  }
  function show(list, lang) {
    box.textContent = "";
    if (!list.length) return;
    var h = document.createElement("p");
    h.className = "kb-live-title";
    h.textContent = field.getAttribute("data-kb-title");
    var ul = document.createElement("ul");
    list.slice(0, 5).forEach(function (a) {
      var li = document.createElement("li"), link = document.createElement("a");
      link.href = "/help/" + a.id;
      link.target = "_blank";
      link.textContent = a.question;
      if (lang && lang !== page) link.lang = lang;
      li.appendChild(link);
      ul.appendChild(li);
    });
    box.appendChild(h);
    box.appendChild(ul);
  }
  // the page's language first, then the others (one may write in Russian
  // on a Kazakh page), as the server's list after "find answers" does
  var page = field.getAttribute("data-kb-lang");
  var langs = [page].concat(["ru", "kk", "en"].filter(function (l) { return l !== page; }));
  function lookup(q, i) {
    if (i >= langs.length) { show([]); return; }
    var url = field.getAttribute("data-kb-suggest") + "?lang=" + encodeURIComponent(langs[i]) + "&q=" + encodeURIComponent(q);
    fetch(url, { headers: { Accept: "application/json" } }).then(function (r) { return r.ok ? r.json() : { articles: [] }; })
      .then(function (d) {
        if (q !== last) return;
        if (d.articles && d.articles.length) show(d.articles, langs[i]); else lookup(q, i + 1);
      }).catch(function () {});
  }
  function ask() {
    var q = words(field.value);
    if (q === last) return;
    last = q;
    if (!q) { show([]); return; }
    lookup(q, 0);
  }
  field.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 300); });
  if (field.value) ask();
})();
