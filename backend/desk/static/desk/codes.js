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
  /* What a 2D imager may send around a code, as scanners/reader.py cleans it: an AIM
     identifier (]d1, ]d2, ]Q1, ]C0 …: keep what follows the last one), and a GS1 element
     string (91…, 8004…, 21…, or "(91)…"; elements split by GS) with the code in a
     code-carrying AI. Anything that is not a code comes back trimmed and upper-cased, so
     the desk's own commands (1–9, action names) pass through untouched. */
  var CODE_AIS = ["8004", "21", "91", "92", "93", "94", "95", "96", "97", "98", "99"];
  function gs1Code(data) {
    var values = [];
    if (data.charAt(0) === "(") {
      var re = /\((\d{2,4})\)([^(]*)/g, m;
      while ((m = re.exec(data))) if (CODE_AIS.indexOf(m[1]) >= 0) values.push(m[2].trim());
    } else if (/^\d/.test(data)) {
      data.split("\x1d").forEach(function (el) {
        for (var i = 0; i < CODE_AIS.length; i++) {
          if (el.indexOf(CODE_AIS[i]) === 0) { values.push(el.slice(CODE_AIS[i].length).trim()); break; }
        }
      });
    }
    for (var j = 0; j < values.length; j++) if (kindOf(values[j])) return values[j].toUpperCase();
    for (var k = 0; k < values.length; k++) if (/^[A-Za-z]/.test(values[k])) return values[k].toUpperCase();
    return null;
  }
  function clean(raw) {
    var text = (raw || "").replace(/[^\x1d\x20-\x7e]/g, "").trim();
    var parts = text.split(/\][A-Za-z][0-9A-Za-z]/);
    var data = parts[parts.length - 1];
    if (parts.length > 1 || /^[\d(]/.test(data)) {
      var code = gs1Code(data.trim());
      if (code) return code;
      if (parts.length > 1) text = data;
    }
    return text.replace(/\x1d/g, "").trim().toUpperCase();
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
  window.custosCodes = { checkCharacter: checkCharacter, kindOf: kindOf, typed: typed, clean: clean };
})();
