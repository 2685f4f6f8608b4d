/* Page behaviour without inline scripts (the Content-Security-Policy allows only scripts from 'self'). */
(function () {
  'use strict';

  // A refused form: move the focus (and the screen) to the error summary at the top of the page
  // (base.html, #error-summary), or to an error flash; its links focus the field in error.
  var summary = document.getElementById('error-summary') || document.querySelector('[data-focus-error]');
  if (summary) {
    summary.focus();
    summary.scrollIntoView({block: 'start'});
  }
  document.querySelectorAll('[data-error-target]').forEach(function (link) {
    link.addEventListener('click', function (event) {
      var target = document.getElementById(link.getAttribute('data-error-target'));
      if (target) {
        event.preventDefault();
        target.scrollIntoView({block: 'center'});
        target.focus();
      }
    });
  });

  // "Cetak" buttons: <button data-print>
  document.querySelectorAll('[data-print]').forEach(function (btn) {
    btn.addEventListener('click', function () { window.print(); });
  });

  // Ask before a grave action: <form data-confirm="..."> or <button data-confirm="...">
  document.querySelectorAll('[data-confirm]').forEach(function (el) {
    var ask = function (event) {
      if (!window.confirm(el.getAttribute('data-confirm'))) { event.preventDefault(); }
    };
    el.addEventListener(el.tagName === 'FORM' ? 'submit' : 'click', ask);
  });

  // Manual journal entry: running debit/credit totals (ledger/entry_new.html)
  var journal = document.getElementById('journal-form');
  if (journal) {
    var val = function (el) { var v = (el.value || '').replace(/[^0-9]/g, ''); return v ? parseInt(v, 10) : 0; };
    var fmt = function (n) { return 'Rp ' + n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, '.'); };
    var update = function () {
      var d = 0, c = 0;
      document.querySelectorAll('.amount-d').forEach(function (el) { d += val(el); });
      document.querySelectorAll('.amount-c').forEach(function (el) { c += val(el); });
      document.getElementById('sum-d').textContent = fmt(d);
      document.getElementById('sum-c').textContent = fmt(c);
      var diff = document.getElementById('sum-diff');
      diff.textContent = d === c ? '' : diff.getAttribute('data-label') + ' ' + fmt(Math.abs(d - c));
    };
    journal.addEventListener('input', update);
  }

  // Cash desk: member suggestions while typing (cashdesk/index.html)
  var input = document.getElementById('member-search');
  var box = document.getElementById('suggestions');
  if (input && box && input.getAttribute('data-search-url')) {
    var timer = null, seq = 0;
    var esc = function (s) {
      return String(s).replace(/[&<>"']/g, function (c) {
        return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
      });
    };
    input.addEventListener('input', function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { box.innerHTML = ''; return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch(input.getAttribute('data-search-url') + '?q=' + encodeURIComponent(q), {credentials: 'same-origin'})
          .then(function (resp) { return resp.ok && mine === seq ? resp.json() : null; })
          .then(function (rows) {
            if (!rows || mine !== seq) return;
            box.innerHTML = rows.length ? rows.map(function (r) {
              return '<a class="list-group-item list-group-item-action member-suggestion" href="' + esc(r.url) +
                '"><strong>' + esc(r.name) + '</strong> <span class="text-muted">' + esc(r.number) + ' · ' +
                esc(r.nik) + '</span><span class="badge bg-secondary float-end">' + esc(r.status) + '</span></a>';
            }).join('') : '<div class="list-group-item text-muted">' + esc(input.getAttribute('data-empty')) + '</div>';
          });
      }, 150);
    });
  }
})();
