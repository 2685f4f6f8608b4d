/* Long work and money-moving buttons (issue 15, items 1 and 9), without inline scripts (CSP script-src 'self').
 *
 * - <button data-busy="Menyimpan...">: after its form is submitted the button shows the text and every submit
 *   button of the form is disabled (a second press submits nothing). Disabling waits a tick so the pressed
 *   button's own name/value ("confirm=1") is still sent.
 * - <a data-download="Menyiapkan..."> (an export): shows the text and is disabled until the download starts:
 *   the server sets the cookie named by data-download-token's value (download_token=<token>) on the file's
 *   response; a 60 s timeout clears it anyway.
 * - <div data-poll-url="..."> (an import job): fetches the JSON status every 1.5 s and writes
 *   "status · n of m rows" into the element until the job is done or failed.
 * - Receipt: <input name="receipt-layout" data-layout-target="#receipt"> radios set the receipt's class
 *   (58 mm roll or A5).
 */
(function () {
  'use strict';

  document.querySelectorAll('form').forEach(function (form) {
    var busy = form.querySelector('[data-busy]');
    if (!busy) return;
    var sent = false;
    form.addEventListener('submit', function (event) {
      if (sent) { event.preventDefault(); return; }
      sent = true;
      var pressed = event.submitter;
      setTimeout(function () {
        form.querySelectorAll('button[type="submit"], button:not([type])').forEach(function (b) {
          b.disabled = true;
        });
        var label = (pressed && pressed.getAttribute('data-busy')) || busy.getAttribute('data-busy');
        if (pressed && pressed.hasAttribute('data-busy')) { pressed.textContent = label; }
        form.setAttribute('aria-busy', 'true');
      }, 0);
    });
  });

  var cookie = function (name) {
    var m = document.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    return m ? decodeURIComponent(m[1]) : null;
  };

  document.querySelectorAll('a[data-download]').forEach(function (link) {
    link.addEventListener('click', function (event) {
      if (link.getAttribute('aria-disabled') === 'true') { event.preventDefault(); return; }
      var token = String(Date.now()) + Math.floor(Math.random() * 1e6);
      var url = new URL(link.href, window.location.href);
      url.searchParams.set('download_token', token);
      link.href = url.toString();
      var text = link.textContent;
      link.textContent = link.getAttribute('data-download');
      link.setAttribute('aria-disabled', 'true');
      link.classList.add('disabled');
      var started = Date.now();
      var timer = setInterval(function () {
        if (cookie('download_token') === token || Date.now() - started > 60000) {
          clearInterval(timer);
          link.textContent = text;
          link.removeAttribute('aria-disabled');
          link.classList.remove('disabled');
        }
      }, 300);
    });
  });

  document.querySelectorAll('[data-poll-url]').forEach(function (box) {
    var done = ['done', 'failed', 'dry_run_done'];
    var tick = function () {
      fetch(box.getAttribute('data-poll-url'), {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
        .then(function (resp) { return resp.ok ? resp.json() : null; })
        .then(function (job) {
          if (!job) return;
          box.textContent = job.text;
          var bar = document.getElementById(box.getAttribute('data-poll-bar') || '');
          if (bar && job.total) {
            var pct = Math.min(100, Math.round(100 * job.processed / job.total));
            bar.style.width = pct + '%';
            bar.setAttribute('aria-valuenow', String(pct));
          }
          if (done.indexOf(job.status) < 0) { setTimeout(tick, 1500); }
          else if (box.hasAttribute('data-poll-reload')) { window.location.reload(); }
        });
    };
    tick();
  });

  document.querySelectorAll('input[data-layout-target]').forEach(function (radio) {
    var apply = function () {
      if (!radio.checked) return;
      var target = document.querySelector(radio.getAttribute('data-layout-target'));
      if (!target) return;
      target.classList.remove('layout-58', 'layout-a5');
      target.classList.add('layout-' + radio.value);
      document.body.setAttribute('data-receipt-layout', radio.value);
    };
    radio.addEventListener('change', apply);
    apply();
  });
}());
