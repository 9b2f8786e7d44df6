// Tell the server this browser's time zone (the `tz` cookie), so pages show times in it.
// Set once, and again only when the zone changes (a laptop that travelled). The server checks
// the name against the time zone database and ignores anything else.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) return;
  var current = document.cookie.split("; ").filter(function (c) {
    return c.indexOf("tz=") === 0;
  })[0];
  if (current === "tz=" + zone) return;
  document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax" +
    (location.protocol === "https:" ? "; Secure" : "");
})();
