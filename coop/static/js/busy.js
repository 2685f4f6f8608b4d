/* Long work and money-moving buttons (issue 15, items 1 and 9), without inline scripts (CSP script-src 'self').
 *
 * - <button data-busy="Menyimpan...">: after its form is submitted the button shows the text and every submit
 *   button of the form is disabled (a second press submits nothing). Disabling waits a tick so the pressed
 *   button's own name/value ("confirm=1") is still sent.
 * - <a data-download="Menyiapkan..."> (an export): shows the text and is disabled until the download starts:
 *   the server sets the cookie named by data-download-token's value (download_token=<token>) on the file's
 *   response; a 60 s timeout clears it anyway.
 * - <form data-progress="#box"> (an import): on submit #box (data-poll-url) is shown and the JSON status
 *   of the import job is fetched every 1.5 s ("Menyimpan: n dari m baris") until the response arrives.
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
      var saved = link.innerHTML;
      link.textContent = link.getAttribute('data-download');
      link.setAttribute('aria-disabled', 'true');
      link.classList.add('disabled');
      var started = Date.now();
      var timer = setInterval(function () {
        if (cookie('download_token') === token || Date.now() - started > 60000) {
          clearInterval(timer);
          link.innerHTML = saved;
          link.removeAttribute('aria-disabled');
          link.classList.remove('disabled');
        }
      }, 300);
    });
  });

  // <form data-progress="#box">: on submit, show #box (data-poll-url) and poll it while the request runs
  var poll = function (box) {
    var text = box.querySelector('[role="status"]') || box;
    var bar = box.querySelector('.progress-bar');
    var tick = function () {
      fetch(box.getAttribute('data-poll-url'), {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
        .then(function (resp) { return resp.ok ? resp.json() : null; })
        .then(function (job) {
          if (job) {
            text.textContent = job.text;
            if (bar && job.total) {
              var pct = Math.min(100, Math.round(100 * job.processed / job.total));
              bar.style.width = pct + '%';
              bar.parentNode.setAttribute('aria-valuenow', String(pct));
            }
          }
          setTimeout(tick, 1500);  // until the page is replaced by the response
        })
        .catch(function () { setTimeout(tick, 3000); });
    };
    tick();
  };
  document.querySelectorAll('form[data-progress]').forEach(function (form) {
    form.addEventListener('submit', function () {
      var box = document.querySelector(form.getAttribute('data-progress'));
      if (box && box.hidden) { box.hidden = false; poll(box); }
    });
  });

}());
