/* What every scanning page (handover desk, destruction site, stocktake) shares: scan ids
   chosen in the browser, the yes/no tones, and an input that keeps the focus so a wedge
   scanner's keystrokes always land in it. */
(function () {
  "use strict";
  function uuid4() {
    // crypto.randomUUID needs a secure context; a desk on http://10.x.x.x is not one.
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  var audio = null;
  function beep(ok) {
    // Generated tones, no sound files: a short high chirp for yes, a low double buzz for no.
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var notes = ok ? [[880, 0, 0.12]] : [[220, 0, 0.15], [220, 0.2, 0.15]];
      notes.forEach(function (n) {
        var o = audio.createOscillator();
        var g = audio.createGain();
        o.type = ok ? "sine" : "square";
        o.frequency.value = n[0];
        g.gain.value = 0.2;
        o.connect(g); g.connect(audio.destination);
        o.start(audio.currentTime + n[1]);
        o.stop(audio.currentTime + n[1] + n[2]);
      });
    } catch (e) { /* no sound card: the banner still shows */ }
    document.body.dataset.sound = ok ? "ok" : "bad";
  }
  function keepFocus(input, except) {
    document.addEventListener("click", function (e) {
      if (!e.target.closest(except || "select, button, a")) input.focus();
    });
    input.addEventListener("blur", function () {
      setTimeout(function () {
        var a = document.activeElement;
        if (!a || a === document.body) input.focus();
      }, 0);
    });
    input.focus();
  }
  /* A banner like the server's (desk/_banner.html), for what the page decides itself;
     only a refusal sounds — the server's answers carry the tones of recorded scans. */
  function banner(target, ok, text) {
    target.innerHTML = "";
    var div = document.createElement("div");
    div.className = "banner " + (ok ? "ok" : "bad");
    div.dataset.ok = ok ? "1" : "0";
    var strong = document.createElement("strong");
    strong.textContent = (ok ? "✔ " : "✘ ") + text;
    div.appendChild(strong);
    target.appendChild(div);
    if (!ok) beep(false);
  }
  /* A wedge scanner types the code and presses Enter: ``take`` gets what was typed and
     the field is empty again for the next read. Escape empties it and calls ``cancel``. */
  function onScan(input, take, cancel) {
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();
        var value = input.value;
        input.value = "";
        take(value);
      } else if (e.key === "Escape") {
        e.preventDefault();
        input.value = "";
        if (cancel) cancel();
      }
    });
  }
  /* The pages that send each scanned carrier at once (stocktake, carry-out desk): one scan
     in flight at a time, each with an id chosen here, posted to ``url`` and answered with
     HTML swapped into ``live``. A scan not answered yet stays in sessionStorage under
     ``key``, so after a reload or a lost connection it is resent with the same id and the
     ledger answers "duplicate" rather than recording it twice. ``answered`` runs after
     each swap; ``banner()`` finds the banner the answer brought. */
  function sendQueue(form, live, key, banner, answered) {
    var url = form.dataset.url;
    var pending = [];
    try { pending = JSON.parse(sessionStorage.getItem(key)) || []; } catch (e) { pending = []; }
    var busy = false;
    function save() { sessionStorage.setItem(key, JSON.stringify(pending)); }
    function next() {
      if (busy || !pending.length) return;
      busy = true;
      htmx.ajax("POST", url, {
        source: form, target: live, swap: "innerHTML",
        values: { carrier: pending[0].code, scan_id: pending[0].id }
      });
    }
    function done() { pending.shift(); save(); busy = false; }
    document.body.addEventListener("htmx:afterSwap", function (e) {
      if (e.detail.target !== live) return;
      done();
      var div = banner().querySelector(".banner");
      beep(!!div && div.dataset.ok === "1");
      document.body.dataset.answered = String((+document.body.dataset.answered || 0) + 1);
      answered();
      next();
    });
    document.body.addEventListener("htmx:sendError", function () {
      // The scan stays first in line with its id; the next Enter (or a reload) resends it.
      busy = false;
      window.custosScanner.banner(banner(), false, "⚠ network");
    });
    document.body.addEventListener("htmx:responseError", function (e) {
      // Refused as a whole (signed out, no longer allowed): drop it and say so.
      done();
      window.custosScanner.banner(banner(), false, e.detail.xhr.status + " " + (e.detail.xhr.statusText || ""));
    });
    return {
      push: function (code) { pending.push({ code: code, id: uuid4() }); save(); next(); },
      waiting: function (code) { return pending.some(function (p) { return p.code === code; }); },
      next: next
    };
  }
  // The page's translated sentences: <template id="msg"><span data-k="…">…</span></template>.
  function messages() {
    var msg = {};
    document.getElementById("msg").content.querySelectorAll("span").forEach(function (s) {
      msg[s.dataset.k] = s.textContent;
    });
    return msg;
  }
  window.custosScanner = {
    uuid4: uuid4, beep: beep, keepFocus: keepFocus, banner: banner, onScan: onScan,
    sendQueue: sendQueue, messages: messages
  };
})();
