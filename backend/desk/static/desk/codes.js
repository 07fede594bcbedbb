/* Custos codes in the browser: the same ISO/IEC 7064 MOD 37,36 check as labels/codes.py,
   so a misread scan is refused at the desk before it is sent anywhere. */
(function () {
  "use strict";
  var ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  function checkCharacter(payload) {
    var p = 36;
    for (var i = 0; i < payload.length; i++) {
      var ch = payload[i];
      if (ch === "-") continue;
      var v = ALPHABET.indexOf(ch);
      if (v < 0) return null;
      var s = (p + v) % 36 || 36;
      p = (s * 2) % 37;
    }
    return ALPHABET[(37 - p) % 36];
  }
  /* "C", "P" or "L" for a valid code; null for anything else. */
  function kindOf(raw) {
    var text = (raw || "").trim().toUpperCase();
    if (text.length < 3 || text.length > 24 || !/^[A-Z0-9-]+$/.test(text)) return null;
    if ("CPL".indexOf(text[0]) < 0) return null;
    return checkCharacter(text.slice(0, -1)) === text[text.length - 1] ? text[0] : null;
  }
  /* The code a person meant when keying it in: as typed when it checks, else (after the
     unit prefix) O read as 0 and I, L as 1 when that reading checks (labels/codes.py
     read_typed). */
  var LOOK = { O: "0", I: "1", L: "1" };
  function digits(s) { return s.replace(/[OIL]/g, function (c) { return LOOK[c]; }); }
  function typed(raw) {
    var text = (raw || "").trim().toUpperCase();
    if (kindOf(text)) return text;
    var start = text.indexOf("-") + 1 || 1;
    var head = text.slice(0, start), body = text.slice(start, -1), check = text.slice(-1);
    var readings = [head + digits(body + check), head + digits(body) + check];
    for (var i = 0; i < readings.length; i++) {
      if (readings[i] !== text && kindOf(readings[i])) return readings[i];
    }
    return text;
  }
  window.custosCodes = { checkCharacter: checkCharacter, kindOf: kindOf, typed: typed };
})();
