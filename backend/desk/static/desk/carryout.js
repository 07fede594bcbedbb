/* The exit-and-return desk of one carry-out request: every carrier code scanned into the
   always-focused input is sent at once (scanner.js sendQueue); the server decides whether
   it leaves or comes back (backend/carryouts/services.py) and answers with the desk's
   banner and the request's lines, swapped in together. */
(function () {
  "use strict";
  var S = window.custosScanner;
  var form = document.getElementById("carry-desk");
  var input = document.getElementById("scan");
  var live = document.getElementById("live");
  function banner() { return document.getElementById("banner"); }
  var msg = S.messages();
  var queue = S.sendQueue(form, live, "custos.carryout." + form.dataset.url, banner, function () {
    input.focus();
  });

  function take(raw) {
    var text = window.custosCodes.clean(raw);
    if (!text) { queue.next(); return; }  // Enter on an empty field resends what waits
    var kind = window.custosCodes.kindOf(text);
    if (!kind) { S.banner(banner(), false, text + ": " + msg.bad); return; }
    if (kind !== "C") { S.banner(banner(), false, text + ": " + msg.notcarrier); return; }
    queue.push(text);
  }

  S.onScan(input, take, function () { banner().innerHTML = ""; });
  S.keepFocus(input, "select, button, a, input, textarea");
  queue.next();
})();
