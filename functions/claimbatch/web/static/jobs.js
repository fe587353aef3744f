// The jobs table: the tenant's jobs newest first, a page at a time, updated every few
// seconds while a job on the page (or a file just uploaded) is still on its way, and
// now and then otherwise.
// Rows are kept by job and updated in place, so focus and screen-reader position survive.

import { ApiError } from "./api.js";
import { announce, byId, el, show, timeElement } from "./dom.js";

const PAGE_SIZE = 10;
const POLL_MS = 2000; // while a job on the page is running
const IDLE_POLL_MS = 20000; // otherwise: files dropped by SFTP or into the bucket show up too
const RUNNING = new Set(["AWAITING_UPLOAD", "RECEIVED", "SPLITTING", "PROCESSING", "AGGREGATING"]);
const CANCELLABLE = new Set(["RECEIVED", "SPLITTING", "PROCESSING"]);
const STATE_LABELS = {
  AWAITING_UPLOAD: "Waiting for the file",
  UPLOAD_EXPIRED: "Upload expired",
  RECEIVED: "Received",
  SPLITTING: "Reading the file",
  PROCESSING: "Looking up claims",
  AGGREGATING: "Writing results",
  COMPLETED: "Completed",
  FAILED: "Failed",
  CANCELLED: "Cancelled",
};

let nextRowId = 0;
const keyOf = (view) => view.upload_id || view.job_id;
const stem = (filename) => filename.replace(/\.csv$/i, "");
const unsuccessful = (counts) => counts.done - counts.succeeded;
const retryableRows = (view) => view.counts.retryable;
// A cancelled job's results file is written a moment after the cancel: follow it until then
// (for a while: a file that never comes must not keep the page polling forever).
const SETTLING_MS = 10 * 60_000;
const settling = (view) => view.state === "CANCELLED" && !view.results
  && Date.now() - Date.parse(view.completed_at || view.created_at) < SETTLING_MS;
const changing = (view) => RUNNING.has(view.state) || settling(view);

function progressText(view) {
  const { total, done } = view.counts;
  if (view.state === "AWAITING_UPLOAD") return "not started";
  if (total === null || total === undefined) return `${done.toLocaleString()} rows done, counting the file…`;
  return `${done.toLocaleString()} of ${total.toLocaleString()} rows`;
}

function countsText(counts) {
  const parts = [
    `${counts.succeeded.toLocaleString()} succeeded`,
    `${counts.not_found.toLocaleString()} not found`,
    `${counts.invalid.toLocaleString()} invalid`,
    `${counts.failed.toLocaleString()} failed`,
  ];
  if (counts.cancelled) parts.push(`${counts.cancelled.toLocaleString()} cancelled`);
  return parts.join(", ");
}

function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export class JobsTable {
  constructor(api) {
    this.api = api;
    this.body = byId("jobs-body");
    this.error = byId("jobs-error");
    this.pages = [null]; // the `next` token of each page seen; page 1 has none
    this.page = 0;
    this.rows = new Map(); // key → {row, cells, view, actionSignature}
    this.rowErrors = new Map(); // key → the sentence of an action that failed on that row
    this.pending = new Map(); // upload id → its view, until the listing shows its job
    this.timer = null;
    this.loaded = false;
    byId("older-page").addEventListener("click", () => this.turn(+1));
    byId("newer-page").addEventListener("click", () => this.turn(-1));
  }

  async turn(step) {
    this.page += step;
    await this.refresh();
    byId("jobs-title").scrollIntoView({ block: "start" });
  }

  /** A file was just uploaded: show it at once and follow it until it is a job. */
  async follow(uploadId) {
    this.pending.set(uploadId, null);
    if (this.page !== 0) this.page = 0;
    await this.refresh();
  }

  stop() {
    clearTimeout(this.timer);
  }

  async refresh() {
    clearTimeout(this.timer);
    let listing;
    try {
      listing = await this.api.listJobs(PAGE_SIZE, this.pages[this.page]);
      this.error.textContent = "";
    } catch (error) {
      this.error.textContent = error instanceof ApiError ? error.message : "The jobs could not be loaded.";
      if (error.status !== 401) this.timer = setTimeout(() => this.refresh(), POLL_MS * 3);
      return;
    }
    this.pages[this.page + 1] = listing.next;
    const views = await this.withPending(listing.jobs);
    this.render(views);
    this.loaded = true;
    const busy = views.some(changing) || this.pending.size;
    this.timer = setTimeout(() => this.refresh(), busy ? POLL_MS : IDLE_POLL_MS);
  }

  /** Uploads whose job is not listed yet, asked for one by one (GET /jobs/{upload id}). */
  async withPending(listed) {
    if (this.page !== 0 || !this.pending.size) return listed;
    const listedKeys = new Set(listed.map(keyOf));
    const extra = [];
    for (const uploadId of [...this.pending.keys()]) {
      if (listedKeys.has(uploadId)) {
        this.pending.delete(uploadId);
        continue;
      }
      try {
        const view = await this.api.json("GET", `/jobs/${encodeURIComponent(uploadId)}`);
        if (view.state === "UPLOAD_EXPIRED") this.pending.delete(uploadId);
        extra.push(view);
      } catch {
        this.pending.delete(uploadId);
      }
    }
    return [...extra, ...listed];
  }

  render(views) {
    const keys = new Set(views.map(keyOf));
    for (const [key, kept] of this.rows) {
      if (!keys.has(key)) {
        kept.row.remove();
        this.rows.delete(key);
      }
    }
    let previous = null;
    for (const view of views) {
      const key = keyOf(view);
      let kept = this.rows.get(key);
      if (!kept) {
        kept = this.newRow(key);
        this.rows.set(key, kept);
      }
      if (this.loaded && kept.view && kept.view.state !== view.state) {
        announce(`${view.filename}: ${STATE_LABELS[view.state] || view.state}.`);
      }
      this.fill(kept, view);
      // Keep the listing's order (newest first) without moving rows that are in place.
      const expectedNext = previous ? previous.nextSibling : this.body.firstChild;
      if (expectedNext !== kept.row) this.body.insertBefore(kept.row, expectedNext);
      previous = kept.row;
    }
    show(byId("no-jobs"), views.length === 0 && this.page === 0);
    byId("newer-page").disabled = this.page === 0;
    byId("older-page").disabled = !this.pages[this.page + 1];
    byId("page-number").textContent = `Page ${this.page + 1}`;
  }

  newRow(key) {
    const labels = ["File", "State", "Progress", "Rows", "Created", "Completed", "Actions"];
    const cells = labels.map((label) => el("td", { "data-label": label }));
    const row = el("tr", { "data-key": key }, cells);
    cells[0].setAttribute("tabindex", "-1"); // focus lands here when a row's button goes away
    nextRowId += 1;
    return { row, cells, view: null, actionSignature: "", fileId: `job-file-${nextRowId}` };
  }

  fill(kept, view) {
    const [file, state, progress, counts, created, completed, actions] = kept.cells;
    kept.view = view;
    file.replaceChildren(el("span", { className: "filename", id: kept.fileId, text: view.filename }));
    const stateChildren = [el("span", { className: `state state-${view.state}`, text: STATE_LABELS[view.state] || view.state })];
    if (view.error) stateChildren.push(el("span", { className: "job-error", text: view.error }));
    state.replaceChildren(...stateChildren);
    kept.row.dataset.state = view.state;

    const bar = el("progress", { max: view.counts.total || 1, "aria-label": `Progress of ${view.filename}` });
    if (view.counts.total !== null && view.counts.total !== undefined && view.state !== "AWAITING_UPLOAD") {
      bar.value = Math.min(view.counts.done, view.counts.total || 0);
      if (view.counts.total === 0) bar.value = 1;
    }
    const text = progressText(view);
    bar.setAttribute("aria-valuetext", text);
    progress.replaceChildren(bar, el("span", { className: "progress-text", text }));
    counts.replaceChildren(el("span", { className: "counts", text: countsText(view.counts) }));
    created.replaceChildren(timeElement(view.created_at));
    completed.replaceChildren(timeElement(view.completed_at));
    this.fillActions(kept, view, actions);
  }

  fillActions(kept, view, cell) {
    const key = keyOf(view);
    const wanted = [];
    if (view.results) wanted.push("results");
    if (view.errors && unsuccessful(view.counts) > 0) wanted.push("errors");
    if (view.state === "COMPLETED" && retryableRows(view) > 0) wanted.push("retry");
    if (CANCELLABLE.has(view.state)) wanted.push("cancel");
    const error = this.rowErrors.get(key) || "";
    const signature = `${wanted.join(",")}|${error}|${view.job_id}`;
    if (signature === kept.actionSignature) return;
    const focused = cell.contains(document.activeElement) ? document.activeElement.dataset.action : null;
    kept.actionSignature = signature;
    const children = wanted.map((action) => {
      const element = this.actionElement(action, view);
      element.dataset.action = action;
      element.setAttribute("aria-describedby", kept.fileId); // which file: read after the name
      return element;
    });
    if (error) children.push(el("span", { className: "error", role: "alert", text: error }));
    cell.replaceChildren(el("div", { className: "actions" }, children));
    if (focused) (cell.querySelector(`[data-action="${focused}"]`) || kept.cells[0]).focus();
  }

  actionElement(action, view) {
    const name = view.filename;
    switch (action) {
      case "results":
        return el("a", {
          href: view.results,
          text: "Download results",
          onclick: (event) => this.download(event, view, view.results, `${stem(name)}.results.csv`),
        });
      case "errors":
        return el("a", {
          href: view.errors,
          text: "Download errors",
          onclick: (event) => this.download(event, view, view.errors, `${stem(name)}.errors.csv`),
        });
      case "retry":
        return el("button", {
          type: "button",
          className: "secondary",
          text: "Retry failed rows",
          onclick: () => this.act(view, () => this.api.retry(view.job_id), (answer) =>
            answer.rows ? `${name}: looking up ${answer.rows} rows again.` : `${name}: no row can be retried.`),
        });
      case "cancel":
        return el("button", {
          type: "button",
          className: "secondary",
          text: "Cancel",
          onclick: () => this.act(view, () => this.api.cancel(view.job_id), () => `${name}: cancelled.`),
        });
      default:
        return null;
    }
  }

  async act(view, call, saying) {
    const key = keyOf(view);
    this.rowErrors.delete(key);
    try {
      announce(saying(await call()));
    } catch (error) {
      this.rowErrors.set(key, error instanceof ApiError ? error.message : "That did not work; try again.");
    }
    await this.refresh();
  }

  async download(event, view, path, filename) {
    event.preventDefault();
    const key = keyOf(view);
    this.rowErrors.delete(key);
    try {
      saveBlob(await this.api.download(path), filename);
      announce(`${filename} downloaded.`);
    } catch (error) {
      this.rowErrors.set(key, error instanceof ApiError ? error.message : "The download failed; try again.");
    }
    const kept = this.rows.get(key);
    if (kept) this.fillActions(kept, kept.view, kept.cells[6]);
  }
}
