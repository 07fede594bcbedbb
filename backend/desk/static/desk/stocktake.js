/* The stocktake page: every carrier code scanned into the always-focused input is sent at
   once as an inventory scan of this stocktake (scanner.js sendQueue: a scan id chosen
   here, resent after a reload until answered); the answer is the desk's banner plus fresh
   counts, swapped in together. */
(function () {
  "use strict";
  var S = window.custosScanner;
  var form = document.getElementById("stocktake");
  var input = document.getElementById("scan");
  var live = document.getElementById("live");
  // #banner is replaced with every answer (it comes back with the counts, into #live).
  function banner() { return document.getElementById("banner"); }
  var msg = S.messages();
  var queue = S.sendQueue(form, live, "custos.stocktake." + form.dataset.url, banner, function () {
    markLines();
    input.focus();
  });

  function seen() {
    var counts = document.getElementById("counts");
    return counts && counts.dataset.seen ? counts.dataset.seen.split(" ") : [];
  }

  function take(raw) {
    var text = window.custosCodes.clean(raw);
    if (!text) { queue.next(); return; }  // Enter on an empty field resends what waits
    var kind = window.custosCodes.kindOf(text);
    if (!kind) { S.banner(banner(), false, text + ": " + msg.bad); return; }
    if (kind !== "C") { S.banner(banner(), false, text + ": " + msg.notcarrier); return; }
    if (seen().indexOf(text) >= 0 || queue.waiting(text)) {
      S.banner(banner(), true, text + " — " + msg.dup);
      return;
    }
    queue.push(text);
  }

  S.onScan(input, take, function () { banner().innerHTML = ""; });
  document.getElementById("close-form").addEventListener("submit", function (e) {
    if (!window.confirm(msg.confirm)) e.preventDefault();
  });

  /* Tick the carriers already found in the list below the counts. */
  function markLines() {
    var codes = seen();
    document.querySelectorAll("#lines li.waiting").forEach(function (li) {
      if (codes.indexOf(li.dataset.code) >= 0) li.className = "found";
    });
  }

  S.keepFocus(input, "select, button, a");
  markLines();
  queue.next();
})();
