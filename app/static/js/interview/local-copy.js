// What this device keeps until the server confirms it: the pending changes in localStorage,
// keyed by scorecard, so a reload, a crash or a dead connection loses nothing.

export function createLocalCopy(scorecardId) {
  const key = "loopkit:scorecard:" + scorecardId;

  function keep(version, pending) {
    try {
      if (Object.keys(pending).length === 0) {
        localStorage.removeItem(key);
      } else {
        localStorage.setItem(key, JSON.stringify({
          version, pending, keptAt: new Date().toISOString(),
        }));
      }
    } catch (e) { /* private mode or full: the server copy is the first line anyway */ }
  }

  function load() {
    try {
      return JSON.parse(localStorage.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }

  return { keep, load };
}
