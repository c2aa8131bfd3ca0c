// tenderdesk cabinet: files go by tus (parts of at most 20 MB, Q8) before
// the form is sent; the form then carries only their ids. Without this
// script the file field is posted with the form (one part) instead.
(function () {
  "use strict";
  var PART = 20 * 1024 * 1024;
  function b64(s) { return btoa(unescape(encodeURIComponent(s))); }
  function fill(t, v) { Object.keys(v).forEach(function (k) { t = t.split("{" + k + "}").join(v[k]); }); return t; }
  function why(resp) {
    return resp.text().then(function (t) {
      try { var j = JSON.parse(t); var e = j.error || j; return e.message || e.detail || String(e); } catch (_) { return resp.status + " " + t; }
    });
  }
  function send(url, file, off, onProgress, tries) {
    if (off >= file.size) return Promise.reject(new Error("nothing to send"));
    var end = Math.min(off + PART, file.size);
    return fetch(url, {method: "PATCH", credentials: "same-origin",
      headers: {"Tus-Resumable": "1.0.0", "Upload-Offset": String(off), "Content-Type": "application/offset+octet-stream"},
      body: file.slice(off, end)}).then(function (r) {
      if (!r.ok) return why(r).then(function (m) { throw new Error(m); });
      onProgress(end);
      if (end < file.size) return send(url, file, end, onProgress, 0);
      return r.headers.get("Upload-File-Id");
    }, function (netErr) {
      // Interrupted: ask where the desk stopped and resume from there.
      if (tries >= 3) throw netErr;
      return fetch(url, {method: "HEAD", credentials: "same-origin", headers: {"Tus-Resumable": "1.0.0"}}).then(function (h) {
        return send(url, file, Number(h.headers.get("Upload-Offset") || off), onProgress, tries + 1);
      });
    });
  }
  function upload(box, file, li) {
    var msg = box.dataset;
    li.textContent = fill(msg.msgSending, {name: file.name, pct: "0"});
    return fetch(box.dataset.tus, {method: "POST", credentials: "same-origin",
      headers: {"Tus-Resumable": "1.0.0", "Upload-Length": String(file.size),
        "Upload-Metadata": "filename " + b64(file.name) + ",filetype " + b64(file.type || "application/octet-stream")}}).then(function (r) {
      if (!r.ok) return why(r).then(function (m) { throw new Error(m); });
      return send(r.headers.get("Location"), file, 0, function (done) {
        li.textContent = fill(msg.msgSending, {name: file.name, pct: String(Math.floor(done * 100 / file.size))});
      }, 0);
    }).then(function (id) {
      var h = document.createElement("input");
      h.type = "hidden"; h.name = "attachments"; h.value = id;
      box.appendChild(h);
      li.textContent = fill(msg.msgDone, {name: file.name});
      li.className = "ok";
    }, function (err) {
      // A blocked file is told in the page's language (Q26); the desk's
      // other reasons come as it gives them.
      var inf = /is infected \(([^)]+)\)/.exec(err.message);
      li.textContent = inf ? fill(msg.msgInfected, {name: file.name, sig: inf[1]}) : fill(msg.msgFailed, {name: file.name, why: err.message});
      li.className = "field-error";
      box.classList.add("bad");
    });
  }
  document.querySelectorAll("[data-tus]").forEach(function (box) {
    var input = box.querySelector("input[type=file]");
    var list = box.querySelector(".file-status");
    var form = box.closest("form");
    var busy = 0;
    input.addEventListener("change", function () {
      var fs = Array.prototype.slice.call(input.files);
      input.value = ""; // sent by tus, not with the form
      box.classList.remove("bad");
      fs.forEach(function (f) {
        var li = document.createElement("li");
        list.appendChild(li);
        busy++;
        form.dataset.uploading = String(busy);
        upload(box, f, li).then(function () { busy--; form.dataset.uploading = String(busy); });
      });
    });
    form.addEventListener("submit", function (e) { if (busy > 0) e.preventDefault(); });
  });
})();
