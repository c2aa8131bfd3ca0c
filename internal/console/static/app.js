// tenderdesk console: enhancements only; every page works without this file.
(function () {
  "use strict";
  var body = document.body;

  // Countdowns: the server gives the remaining time (business time for
  // working clocks); the page counts it down and refreshes from the server
  // every minute, which also corrects for the hours outside working time.
  function fmt(sec) {
    var neg = sec < 0, s = Math.abs(sec);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    var parts = [];
    if (d > 0) parts.push(body.dataset.uD.replace("{n}", d));
    if (h > 0 || d > 0) parts.push(body.dataset.uH.replace("{n}", h));
    parts.push(body.dataset.uM.replace("{n}", m));
    var out = parts.join(" ");
    return neg ? body.dataset.overdue.replace("{s}", out) : out;
  }
  var started = Date.now();
  function stamp(root) {
    root.querySelectorAll(".countdown[data-remaining]").forEach(function (el) { el.dataset.base = el.dataset.remaining; el.dataset.t0 = Date.now(); });
  }
  function tick() {
    document.querySelectorAll(".countdown[data-remaining]").forEach(function (el) {
      var left = Number(el.dataset.base) - Math.floor((Date.now() - Number(el.dataset.t0 || started)) / 1000);
      el.textContent = fmt(left);
      var tr = el.closest("tr");
      if (left <= 0 && tr && !tr.classList.contains("lvl-breached")) {
        tr.className = tr.className.replace(/lvl-\w*/g, "") + " lvl-breached";
        var txt = tr.querySelector(".lvl-text");
        if (!txt) { txt = document.createElement("span"); txt.className = "lvl-text"; el.parentNode.appendChild(txt); }
        txt.textContent = body.dataset.breached;
      }
    });
  }
  stamp(document);
  setInterval(tick, 1000);

  // The live queue: one EventSource; on an event, the rows are fetched
  // again with the page's own filters and swapped in.
  var queue = document.getElementById("queue");
  if (queue && window.EventSource) {
    var pending = null;
    var refresh = function () {
      pending = null;
      var u = new URL(location.href);
      u.searchParams.set("partial", "rows");
      fetch(u, { credentials: "same-origin", headers: { "Accept": "text/html" } }).then(function (r) {
        if (!r.ok) return null;
        return r.text();
      }).then(function (html) {
        if (html == null) return;
        var sel = queue.querySelector("tr.selected");
        var keep = sel && sel.querySelector("a") ? sel.querySelector("a").getAttribute("href") : null;
        queue.innerHTML = html;
        stamp(queue);
        if (keep) { var a = queue.querySelector('a[href="' + keep + '"]'); if (a) a.closest("tr").classList.add("selected"); }
        queue.dataset.updated = String(Date.now());
      });
    };
    var es = new EventSource(queue.dataset.live);
    var onEvent = function () { if (!pending) pending = setTimeout(refresh, 100); };
    es.addEventListener("appeal", onEvent);
    es.addEventListener("incident", onEvent);
    es.addEventListener("clock", onEvent); // a warning or breach raised by the scheduler
    es.addEventListener("open", function () { queue.dataset.live_ok = "1"; });
    setInterval(refresh, 60000);
  }

  // BIN/IIN control digit as typed (the same rule as internal/iin).
  function binProblem(s) {
    if (!/^\d{12}$/.test(s)) return "len";
    var d = s.split("").map(Number);
    var sum = function (start) { var t = 0; for (var i = 0; i < 11; i++) t += d[i] * (((start + i - 1) % 11) + 1); return t % 11; };
    var c = sum(1);
    if (c === 10) { c = sum(3); if (c === 10) return "sum"; }
    return c === d[11] ? "" : "sum";
  }
  var bin = document.querySelector("[data-bin]");
  var form = document.querySelector("form[data-suggest]");
  function fill(id, values) {
    var dl = document.getElementById(id);
    if (!dl) return;
    dl.textContent = "";
    values.forEach(function (v) { if (v) { var o = document.createElement("option"); o.value = v; dl.appendChild(o); } });
  }
  if (bin) {
    var out = document.getElementById("bin-check");
    var last = "";
    bin.addEventListener("input", function () {
      var v = bin.value.trim();
      if (v === "") { out.textContent = ""; out.className = "hint"; bin.removeAttribute("aria-invalid"); return; }
      var p = binProblem(v);
      if (p === "len" && v.length < 12) { out.textContent = bin.dataset.msgLen; out.className = "hint"; return; }
      out.textContent = p === "" ? bin.dataset.msgOk : (p === "len" ? bin.dataset.msgLen : bin.dataset.msgSum);
      out.className = "hint " + (p === "" ? "ok" : "ko");
      if (p) bin.setAttribute("aria-invalid", "true"); else bin.removeAttribute("aria-invalid");
      if (p === "" && v !== last && form) {
        last = v;
        fetch(form.dataset.suggest + "?bin=" + encodeURIComponent(v), { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : {}; }).then(function (j) {
            var cs = j.contacts || [];
            fill("org-suggest", cs.map(function (c) { return c.organization; }));
            fill("phone-suggest", cs.map(function (c) { return c.contact_phone; }));
            fill("email-suggest", cs.map(function (c) { return c.contact_email; }));
            var org = document.getElementById("organization");
            if (cs.length && org && org.value === "") org.value = cs[0].organization;
          });
      }
    });
  }
  // Open incidents of the same module or announcement, before saving.
  if (form) {
    var box = form.querySelector("[data-similar-box]"), list = form.querySelector("[data-similar-list]");
    var look = function () {
      var m = document.getElementById("module").value.trim();
      var a = document.getElementById("announcements").value.trim().split(/[\s,;]+/)[0] || "";
      if (!m && !a) return;
      fetch(form.dataset.suggest + "?module=" + encodeURIComponent(m) + "&announcement=" + encodeURIComponent(a), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : {}; }).then(function (j) {
          var is = j.incidents || [];
          if (!is.length) return;
          list.textContent = "";
          is.forEach(function (i) {
            var div = document.createElement("div"); div.className = "field check";
            var inp = document.createElement("input"); inp.type = "radio"; inp.name = "incident_id"; inp.value = String(i.id); inp.id = "inc-" + i.id;
            var lab = document.createElement("label"); lab.htmlFor = inp.id; lab.textContent = (i.name || "№ " + i.id) + " · " + i.state + (i.label ? " · " + i.label : "");
            div.appendChild(inp); div.appendChild(lab); list.appendChild(div);
          });
          box.hidden = false;
          if (!form.querySelector('input[name="decided"]')) {
            var h = document.createElement("input"); h.type = "hidden"; h.name = "decided"; h.value = "1"; form.appendChild(h);
          }
        });
    };
    form.querySelectorAll("[data-similar]").forEach(function (el) { el.addEventListener("change", look); });
  }

  // Presence: who else has this appeal or incident open or is typing.
  var pres = document.querySelector("[data-presence]");
  if (pres && window.fetch) {
    var typingUntil = 0;
    var beat = function () {
      var tok = document.querySelector('input[name="csrf"]');
      if (!tok) return;
      var body = new URLSearchParams({ key: pres.dataset.presence, typing: Date.now() < typingUntil ? "1" : "0", csrf: tok.value });
      fetch("/presence", { method: "POST", credentials: "same-origin", headers: { "Accept": "application/json" }, body: body })
        .then(function (r) { return r.ok ? r.json() : null; }).then(function (j) {
          if (!j) return;
          var os = j.others || [];
          pres.hidden = os.length === 0;
          pres.textContent = os.length ? pres.dataset.msgOpen + " " + os.map(function (o) { return o.login + (o.typing ? " (" + pres.dataset.msgTyping + ")" : ""); }).join(", ") : "";
        });
    };
    beat();
    setInterval(beat, 10000);
    // Typing in a text area is told at once, then with the heartbeats.
    document.addEventListener("input", function (e) {
      if (!e.target || e.target.tagName !== "TEXTAREA") return;
      var was = Date.now() < typingUntil;
      typingUntil = Date.now() + 8000;
      if (!was) beat();
    });
  }

  // The header's groups (<details class="menu">) work without this; here one
  // open group at a time, and Escape, a click or focus elsewhere close it
  // (Escape gives focus back to its summary, so the keyboard stays put).
  var menus = Array.prototype.slice.call(document.querySelectorAll("details.menu"));
  var closeMenus = function (except) { menus.forEach(function (m) { if (m !== except && m.open) m.open = false; }); };
  menus.forEach(function (m) {
    m.addEventListener("toggle", function () { if (m.open) closeMenus(m); });
  });
  if (menus.length) {
    document.addEventListener("click", function (e) { closeMenus(e.target.closest && e.target.closest("details.menu")); });
    document.addEventListener("focusin", function (e) { closeMenus(e.target.closest && e.target.closest("details.menu")); });
    document.addEventListener("keydown", function (e) {
      if (e.key !== "Escape") return;
      var open = menus.filter(function (m) { return m.open; })[0];
      if (!open) return;
      open.open = false;
      open.querySelector("summary").focus();
      e.stopPropagation();
    }, true);
  }

  // Keyboard: n new appeal, / search, j/k move in the queue, Enter open, g queue, ? help.
  var keys = document.getElementById("keys");
  var opener = document.querySelector("[data-keys-open]");
  if (opener && keys) opener.addEventListener("click", function () { keys.showModal(); });
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) {
      if (e.key === "Escape") t.blur();
      return;
    }
    var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tr[data-row]"));
    var cur = rows.findIndex(function (r) { return r.classList.contains("selected"); });
    var sel = function (i) {
      if (!rows.length) return;
      i = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach(function (r) { r.classList.remove("selected"); });
      rows[i].classList.add("selected");
      rows[i].querySelector("a").focus();
    };
    switch (e.key) {
      case "?": if (keys) { keys.showModal(); e.preventDefault(); } break;
      case "n": if (document.querySelector('a[href="/appeals/new"]')) { location.href = "/appeals/new"; e.preventDefault(); } break;
      case "g": location.href = "/"; e.preventDefault(); break;
      case "t": var tk = document.querySelector("[data-key-take]"); if (tk) { tk.click(); e.preventDefault(); } break;
      case "/": var s = document.querySelector("[data-key-search]"); if (s) { s.focus(); e.preventDefault(); } break;
      case "j": sel(cur + 1); e.preventDefault(); break;
      case "k": sel(cur - 1); e.preventDefault(); break;
    }
  });
})();
