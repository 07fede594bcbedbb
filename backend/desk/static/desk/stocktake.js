/* The stocktake page: every carrier code scanned into the always-focused input is sent at
   once as an inventory scan of this stocktake, with a scan id chosen here; the answer is
   the desk's banner plus fresh counts, swapped in together.

   A scan that has not been answered yet is kept in sessionStorage with its id, so after
   a reload or a lost connection it is resent with the same id and the ledger answers
   "duplicate" rather than counting it twice. */
(function () {
  "use strict";
  var S = window.custosScanner;
  var form = document.getElementById("stocktake");
  var input = document.getElementById("scan");
  var live = document.getElementById("live");
  // #banner is replaced with every answer (it comes back with the counts, into #live).
  function banner() { return document.getElementById("banner"); }
  var url = form.dataset.url;
  var KEY = "custos.stocktake." + url;
  var msg = {};
  document.getElementById("msg").content.querySelectorAll("span").forEach(function (s) {
    msg[s.dataset.k] = s.textContent;
  });
  var pending = [];
  try { pending = JSON.parse(sessionStorage.getItem(KEY)) || []; } catch (e) { pending = []; }
  var busy = false;

  function seen() {
    var counts = document.getElementById("counts");
    return counts && counts.dataset.seen ? counts.dataset.seen.split(" ") : [];
  }
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
    if (!text) { next(); return; }  // Enter on an empty field resends what waits
    var kind = window.custosCodes.kindOf(text);
    if (!kind) { S.banner(banner(), false, text + ": " + msg.bad); return; }
    if (kind !== "C") { S.banner(banner(), false, text + ": " + msg.notcarrier); return; }
    if (seen().indexOf(text) >= 0 || pending.some(function (p) { return p.code === text; })) {
      S.banner(banner(), true, text + " — " + msg.dup);
      return;
    }
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
    var ok = div && div.dataset.ok === "1";
    S.beep(ok);
    document.body.dataset.answered = String((+document.body.dataset.answered || 0) + 1);
    markLines();
    input.focus();
    next();
  });
  document.body.addEventListener("htmx:sendError", function () {
    // The scan stays first in line with its id; the next Enter (or a reload) resends it.
    busy = false;
    S.banner(banner(), false, "⚠ network");
  });
  document.body.addEventListener("htmx:responseError", function (e) {
    // Refused as a whole (signed out, no longer allowed): drop it and say so.
    pending.shift();
    save();
    busy = false;
    S.banner(banner(), false, e.detail.xhr.status + " " + (e.detail.xhr.statusText || ""));
  });
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
  next();
})();
