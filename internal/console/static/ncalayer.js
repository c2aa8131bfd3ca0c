// ncalayer.js: the "sign with NCALayer" button (issue 12) of the incident
// page, the yearly information, the written report and the role change.
// NCALayer is the NCA's signing application on the user's machine; it
// listens on a local WebSocket (data-socket, the page's CSP connect-src allows
// only it). The page's document (base64 of its exact bytes, data-document)
// goes to NCALayer's kz.gov.pki.knca.basics sign method and the CMS it
// returns is
//  - posted as JSON to data-post (default POST /api/v1/signatures) with the
//    members of data-body, document and cms; the result is said in the
//    status line, and data-reload (when set) is opened after it; or
//  - with data-form (a form's id): the document is fetched first from
//    data-document-url with the form's fields (it depends on what is typed),
//    the CMS put in the form's cms_text field and the form submitted.
// Without this script, or when NCALayer does not answer, the .cms upload
// beside the button is the way (docs/signatures.md).
(function () {
  'use strict';
  var blocks = document.querySelectorAll('[data-ncalayer]');
  if (!blocks.length || !window.WebSocket || !window.fetch) return;
  var msgs = {};
  try { msgs = JSON.parse(document.getElementById('sign').dataset.msgs); } catch (e) { /* words missing: keys shown */ }
  function t(k, a) { var s = msgs[k] || k; return a === undefined ? s : s.replace('{1}', a); }

  // reason turns the API's error into the page's words: the verifier's
  // refusal code, the field it names, else its message.
  function reason(j) {
    var e = (j && j.error) || {}, f = e.fields || {};
    var m = /signature refused \(([a-z_]+)\)/.exec(f.cms || '');
    if (m && msgs['refused.' + m[1]]) return msgs['refused.' + m[1]];
    if (f.signer) return msgs['refused.no_iin'];
    if (f.document) return msgs.stale;
    return e.message || '';
  }

  // The upload's file button is ours (the browser's would speak its own
  // language): say which file was chosen.
  Array.prototype.forEach.call(document.querySelectorAll('.sign-upload input[type=file]'), function (f) {
    var out = f.closest('.field').querySelector('[data-file-name]');
    f.addEventListener('change', function () { if (out) out.textContent = f.files.length ? f.files[0].name : ''; });
  });

  Array.prototype.forEach.call(blocks, function (b) {
    var btn = b.querySelector('[data-ncalayer-sign]');
    var st = b.querySelector('[data-ncalayer-status]');
    var other = b.parentNode.querySelector('.sign-fallback');
    var form = b.dataset.form ? document.getElementById(b.dataset.form) : null;
    b.hidden = false;
    function say(text, kind) { st.textContent = text; st.className = 'sign-status' + (kind ? ' sign-' + kind : ''); }
    function fallback(text) { say(text, 'bad'); if (other) other.open = true; btn.disabled = false; }

    function body(doc, cms) {
      var o = { action: b.dataset.action, object_type: 'incident', object_id: b.dataset.objectId };
      if (b.dataset.body) { try { o = JSON.parse(b.dataset.body); } catch (e) { /* the page's own JSON */ } }
      o.document = doc; o.cms = cms;
      return JSON.stringify(o);
    }

    function post(doc, cms) {
      say(t('posting'));
      if (form) {
        form.querySelector('[name=cms_text]').value = cms;
        form.submit();
        return;
      }
      fetch(b.dataset.post || '/api/v1/signatures', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
        body: body(doc, cms)
      }).then(function (resp) {
        return resp.json().then(function (j) { return { ok: resp.ok, j: j }; }, function () { return { ok: false, j: {} }; });
      }).then(function (r) {
        if (!r.ok) { fallback(t('failed', reason(r.j))); return; }
        var who = r.j.signer_name || (r.j.signature && r.j.signature.signer_name) || '';
        say(t('done', who), 'ok');
        if (b.dataset.reload) { window.location.assign(b.dataset.reload); return; }
        // Signed: nothing left to press here (a reload lists the signature).
        btn.style.display = 'none';
        if (other) other.style.display = 'none';
        var none = b.parentNode.querySelector('.sign-none');
        if (none) none.style.display = 'none';
      }, function () { fallback(t('failed', '')); });
    }

    // The document of a form depends on what is typed: fetched at the press.
    function documentOf() {
      if (!form) return Promise.resolve(b.dataset.document);
      var q = new URLSearchParams();
      Array.prototype.forEach.call(form.querySelectorAll('input[name], select[name], textarea[name]'), function (f) {
        if (f.type !== 'file' && f.type !== 'hidden') q.append(f.name, f.value);
      });
      return fetch(b.dataset.documentUrl + '?' + q.toString(), { credentials: 'same-origin' }).then(function (resp) {
        if (!resp.ok) throw new Error('document');
        return resp.arrayBuffer();
      }).then(function (buf) {
        var s = '', a = new Uint8Array(buf);
        for (var i = 0; i < a.length; i++) s += String.fromCharCode(a[i]);
        return btoa(s);
      });
    }

    btn.addEventListener('click', function () {
      btn.disabled = true;
      documentOf().then(sign, function () {
        // The typed change is incomplete (no user or role chosen): nothing
        // is signed nor submitted.
        say(t('fields'), 'bad'); btn.disabled = false;
      });
    });

    function sign(doc) {
      var ws, opened = false, over = false;
      btn.disabled = true;
      say(t('connecting'));
      function end(text) { if (over) return; over = true; clearTimeout(timer); try { ws.close(); } catch (e) { /* closed */ } if (text) fallback(text); }
      // A socket nobody listens on fails at once; one that hangs is given up.
      var timer = setTimeout(function () { if (!opened) end(t('no_ncalayer')); }, 8000);
      try { ws = new WebSocket(b.dataset.socket); } catch (e) { end(t('no_ncalayer')); return; }
      ws.onopen = function () {
        opened = true;
        clearTimeout(timer);
        say(t('signing'));
        ws.send(JSON.stringify({
          module: 'kz.gov.pki.knca.basics', method: 'sign',
          args: {
            allowedStorages: ['PKCS12', 'AKKaztokenStore', 'AKKZIDCardStore'], format: 'cms', data: doc,
            signingParams: { decode: true, encapsulate: false, digested: false, tsaProfile: null },
            signerParams: { extKeyUsageOids: ['1.3.6.1.5.5.7.3.4'] }, locale: b.dataset.lang
          }
        }));
      };
      ws.onerror = function () { end(t('no_ncalayer')); };
      ws.onclose = function () { end(t('no_ncalayer')); };
      ws.onmessage = function (ev) {
        var r;
        try { r = JSON.parse(ev.data); } catch (e) { return; }
        if (r.status === undefined) return; // NCALayer's greeting: {"result":{"version":…}}
        end('');
        if (r.status !== true) { fallback(t('refused', r.message || r.details || r.code || '')); return; }
        var cms = r.body && r.body.result && r.body.result[0];
        if (!cms) { say(t('cancelled')); btn.disabled = false; return; }
        post(doc, cms);
      };
    }
  });
})();
