/* The exit-and-return desk of one carry-out request: every carrier code scanned into the
   always-focused input is sent at once with a scan id chosen here; the server decides
   whether it leaves or comes back (backend/carryouts/services.py) and answers with the
   desk's banner and the request's lines, swapped in together.

   A scan not answered yet is kept in sessionStorage with its id, so after a reload or a
   lost connection it is resent with the same id and the ledger answers "duplicate". */
(function () {
  "use strict";
  var S = window.custosScanner;
  var form = document.getElementById("carry-desk");
  var input = document.getElementById("scan");
  var live = document.getElementById("live");
  function banner() { return document.getElementById("banner"); }
  var url = form.dataset.url;
  var KEY = "custos.carryout." + url;
  var msg = {};
  document.getElementById("msg").content.querySelectorAll("span").forEach(function (s) {
    msg[s.dataset.k] = s.textContent;
  });
  var pending = [];
  try { pending = JSON.parse(sessionStorage.getItem(KEY)) || []; } catch (e) { pending = []; }
  var busy = false;
  function save() { sessionStorage.setItem(KEY, JSON.stringify(pending)); }

  function next() {
    if (busy || !pending.length) return;
    busy = true;
    var scan = pending[0];
    htmx.ajax("POST", url, {
      source: form, target: live, swap: "innerHTML",
      values: { carrier: scan.code, scan_id: scan.id }
    });
  }

  function take(raw) {
    var text = window.custosCodes.clean(raw);
    if (!text) { next(); return; }
    var kind = window.custosCodes.kindOf(text);
    if (!kind) { S.banner(banner(), false, text + ": " + msg.bad); return; }
    if (kind !== "C") { S.banner(banner(), false, text + ": " + msg.notcarrier); return; }
    pending.push({ code: text, id: S.uuid4() });
    save();
    next();
  }

  S.onScan(input, take, function () { banner().innerHTML = ""; });
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target !== live) return;
    pending.shift();
    save();
    busy = false;
    var div = banner().querySelector(".banner");
    S.beep(!!div && div.dataset.ok === "1");
    document.body.dataset.answered = String((+document.body.dataset.answered || 0) + 1);
    input.focus();
    next();
  });
  document.body.addEventListener("htmx:sendError", function () {
    busy = false;
    S.banner(banner(), false, "⚠ network");
  });
  document.body.addEventListener("htmx:responseError", function (e) {
    pending.shift();
    save();
    busy = false;
    S.banner(banner(), false, e.detail.xhr.status + " " + (e.detail.xhr.statusText || ""));
  });
  S.keepFocus(input, "select, button, a, input, textarea");
  next();
})();
