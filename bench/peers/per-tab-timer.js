// The per-tab design that bench/tabs.mjs compares sessionguard against: a
// re-implementation (no jQuery, our own code) of the algorithm of
// django-session-security's static/session_security/script.js, as of its
// current release. Every tab runs its own copy:
//
// - activity (mousemove, scroll, keyup, click, touch*) only records the time,
//   at most once a second; it sends nothing, except that activity while the
//   warning shows pings at once (so other tabs do not expire);
// - apply(): from the seconds idle, schedule the next ping at the warning
//   time (warnAfter - idleFor) or, while warning, at the expiry time
//   (expireAfter - idleFor);
// - ping(): GET pingUrl?idleFor=<seconds idle in this tab>; the server keeps
//   the most recent activity of all tabs and answers with its own seconds
//   idle, or "logout"; pong() adopts the server's figure and calls apply().
//
// So with an active user every tab pings about once per warnAfter seconds, on
// its own timer: N tabs, N times the pings.
(function () {
  'use strict';
  function PerTabTimer(options) {
    this.pingUrl = options.pingUrl;
    this.warnAfter = options.warnAfter;
    this.expireAfter = options.expireAfter;
    this.returnToUrl = options.returnToUrl;
    this.events = ['mousemove', 'scroll', 'keyup', 'click', 'touchstart', 'touchend', 'touchmove'];
    this.lastActivity = new Date();
    this.warning = false;
    this.pings = 0;
    var self = this;
    var onActivity = function () {
      self.activity();
    };
    for (var i = 0; i < this.events.length; i++) document.addEventListener(this.events[i], onActivity);
    this.apply();
  }
  PerTabTimer.prototype = {
    activity: function () {
      var now = new Date();
      if (now - this.lastActivity < 1000) return;
      var idleFor = Math.floor((now - this.lastActivity) / 1000);
      this.lastActivity = now;
      if (idleFor >= this.expireAfter) this.expire();
      if (this.warning) {
        this.ping();
        this.warning = false;
      }
    },
    ping: function () {
      var self = this;
      var idleFor = Math.floor((new Date() - this.lastActivity) / 1000);
      this.pings++;
      // jQuery's cache: false appends a timestamp parameter; kept for fidelity.
      fetch(this.pingUrl + '?idleFor=' + idleFor + '&_=' + Date.now(), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (response) {
          return response.json();
        })
        .then(
          function (data) {
            self.pong(data);
          },
          function () {
            self.apply();
          },
        );
    },
    pong: function (data) {
      if (data === 'logout') return this.expire();
      this.lastActivity = new Date();
      this.lastActivity.setSeconds(this.lastActivity.getSeconds() - data);
      this.apply();
    },
    apply: function () {
      clearTimeout(this.timeout);
      var idleFor = Math.floor((new Date() - this.lastActivity) / 1000);
      var nextPing;
      if (idleFor >= this.expireAfter) return this.expire();
      if (idleFor >= this.warnAfter) {
        this.warning = true;
        nextPing = this.expireAfter - idleFor;
      } else {
        this.warning = false;
        nextPing = this.warnAfter - idleFor;
      }
      var self = this;
      this.timeout = setTimeout(function () {
        self.ping();
      }, Math.min(nextPing * 1000, 2147483647));
    },
    expire: function () {
      this.expired = true;
      clearTimeout(this.timeout);
    },
  };
  window.PerTabTimer = PerTabTimer;
})();
