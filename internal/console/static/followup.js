// The page's own file button (the browser's would speak the browser's
// language) hides the browser's "no file chosen" text too: say which file
// was chosen beside it.
(function () {
  'use strict';
  Array.prototype.forEach.call(document.querySelectorAll('.file-pick input[type=file]'), function (f) {
    var field = f.closest('.field');
    var out = field && field.querySelector('[data-file-name]');
    if (!out) return;
    f.addEventListener('change', function () {
      out.textContent = Array.prototype.map.call(f.files, function (x) { return x.name; }).join(', ');
    });
  });
})();
