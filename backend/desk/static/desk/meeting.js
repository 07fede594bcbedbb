/* The meeting desk. Issue mode: a badge (P…) makes that attendee the receiver of the
   copies scanned after it; each copy (C…) is sent as an issue to them. Collection mode:
   each copy is sent as a return. Scans go one at a time, in the order scanned, each with
   a scan id chosen here and kept in sessionStorage until answered, so a reload resends it
   and the ledger answers "duplicate" instead of recording it twice. The answer is the
   banner and the board, swapped in together; the board also refreshes itself. */
(function () {
  "use strict";
  var S = window.custosScanner;
  var form = document.getElementById("meeting");
  var input = document.getElementById("scan");
  var holderLine = document.getElementById("holder");
  var url = form.dataset.url;
  var mode = form.dataset.mode;
  var KEY = "custos.meeting." + url + "." + mode;
  var msg = S.messages();
  function banner() { return document.getElementById("banner"); }
  var pending = [];
  try { pending = JSON.parse(sessionStorage.getItem(KEY)) || []; } catch (e) { pending = []; }
  var holder = sessionStorage.getItem(KEY + ".holder") || "";
  var busy = false;
  var sending = 0;  // how many of the waiting scans the request in flight carries

  function save() { sessionStorage.setItem(KEY, JSON.stringify(pending)); }
  function setHolder(code, name) {
    holder = code;
    sessionStorage.setItem(KEY + ".holder", code);
    holderLine.dataset.code = code;
    if (mode === "issue") holderLine.textContent = code ? msg.receiver + " " + (name || code) : msg.nobadge;
  }

  function next() {
    if (busy || !pending.length) return;
    busy = true;
    // Everything that waits, in order (at most 50): what was scanned meanwhile goes together.
    var n = Math.min(pending.length, 50);
    sending = n;
    var scans = pending.slice(0, n);
    // The answer is the banner alone, at once; the board follows when nothing waits.
    htmx.ajax("POST", url, {
      source: form, target: "#bannerbox", swap: "innerHTML",
      values: { scans: JSON.stringify(scans), mode: mode }
    });
  }

  function take(raw) {
    var text = window.custosCodes.clean(raw);
    if (!text) { next(); return; }  // Enter on an empty field resends what waits
    var kind = window.custosCodes.kindOf(text);
    if (!kind || kind === "L") { S.banner(banner(), false, text + ": " + msg.bad); return; }
    if (kind === "P") {
      if (mode === "issue") setHolder(text, "");
    } else {
      if (mode === "issue" && !holder) { S.banner(banner(), false, msg.nobadge); return; }
      if (pending.some(function (p) { return p.code === text; })) {
        S.banner(banner(), true, text + " — " + msg.dup);
        return;
      }
    }
    pending.push({ code: text, id: S.uuid4(), holder: holder });
    save();
    // Sent at the end of this turn of the event loop: codes that arrived together (a
    // scanner's buffer emptied at once) go in one request.
    setTimeout(next, 0);
  }

  S.onScan(input, take, function () { banner().innerHTML = ""; });
  function ours(e) { return e.detail.target && e.detail.target.id === "bannerbox"; }
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (!ours(e)) return;
    var sent = pending.splice(0, sending);
    save();
    busy = false;
    var b = banner();
    var div = b.querySelector(".banner");
    var ok = div && div.dataset.ok === "1";
    // The answer names the last receiver it signed in; a refused badge names none (the
    // next copies then wait for a good badge) — unless another badge was scanned meanwhile.
    var badges = sent.filter(function (p) { return p.code.charAt(0) === "P"; });
    var last = badges.length ? badges[badges.length - 1].code : "";
    if (mode === "issue" && last && holder === last) {
      setHolder(b.dataset.holder === last ? last : "", b.dataset.holderName);
    }
    S.beep(ok);
    // Scans answered so far (one request may carry several).
    document.body.dataset.answered = String((+document.body.dataset.answered || 0) + sending);
    input.focus();
    next();
    if (!pending.length) htmx.trigger("#board", "refresh");
  });
  document.body.addEventListener("htmx:sendError", function (e) {
    if (!ours(e)) return;
    busy = false;  // the scan stays first in line with its id; the next Enter resends it
    S.banner(banner(), false, "⚠ network");
  });
  document.body.addEventListener("htmx:responseError", function (e) {
    if (!ours(e)) return;
    pending.splice(0, sending);
    save();
    busy = false;
    S.banner(banner(), false, e.detail.xhr.status + " " + (e.detail.xhr.statusText || ""));
  });
  document.getElementById("close-form").addEventListener("submit", function (e) {
    if (!window.confirm(msg.confirm)) e.preventDefault();
  });

  setHolder(holder, "");
  S.keepFocus(input, "select, button, a");
  next();
})();
