// Job progress page: polls the job's JSON once a second and updates the bar, message and elapsed time;
// reloads the page when the status changes, so the server renders the result link or the error.
"use strict";
(function () {
  const root = document.querySelector("[data-job-id]");
  if (!root) {
    return;
  }
  const url = root.dataset.pollUrl || "/api/v1/jobs/" + encodeURIComponent(root.dataset.jobId);
  const shownStatus = root.dataset.status;
  const bar = root.querySelector("progress");
  const percent = root.querySelector("[data-field=percent]");
  const message = root.querySelector("[data-field=message]");
  const elapsed = root.querySelector("[data-field=elapsed]");
  const percentFormat = new Intl.NumberFormat(document.documentElement.lang || undefined, {style: "percent"});
  // Elapsed time counts from what the server measured at render time, so a wrong client clock does not matter.
  const elapsedAtLoad = parseFloat(root.dataset.elapsed) || 0;
  const loadedAt = performance.now();

  function clock(seconds) {
    const total = Math.max(0, Math.floor(seconds));
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const secs = String(total % 60).padStart(2, "0");
    return hours ? hours + ":" + String(minutes).padStart(2, "0") + ":" + secs : minutes + ":" + secs;
  }

  function show(job) {
    if (bar) {
      bar.value = job.progress;
    }
    if (percent) {
      percent.textContent = percentFormat.format(job.progress);
    }
    if (message) {
      message.textContent = job.message_local || job.message || "";
    }
    if (elapsed && job.status === "running") {
      elapsed.textContent = clock(elapsedAtLoad + (performance.now() - loadedAt) / 1000);
    }
  }

  async function poll() {
    let response;
    try {
      response = await fetch(url, {credentials: "same-origin", cache: "no-store",
                                   headers: {"Accept": "application/json"}});
    } catch (error) {
      window.setTimeout(poll, 1000);  // the network hiccuped: try again
      return;
    }
    if (response.status === 401 || response.status === 403 || response.status === 404) {
      return;  // logged out or gone: polling cannot help; the page's refresh shows why
    }
    if (!response.ok) {
      window.setTimeout(poll, 1000);
      return;
    }
    const job = await response.json();
    if (job.status !== shownStatus) {
      window.location.reload();
      return;
    }
    show(job);
    window.setTimeout(poll, 1000);
  }

  window.setTimeout(poll, 1000);
})();
