// Upload: POST /jobs for a form, then the file straight to storage with that form
// (S3 in AWS, the local service's upload endpoint locally), with a progress bar.

import { ApiError } from "./api.js";
import { announce, byId, show } from "./dom.js";

const STORAGE_ERRORS = {
  EntityTooLarge: "The file is larger than the upload allows; split it into smaller files.",
  EntityTooSmall: "The file is empty; pick the CSV file with the claims.",
  AccessDenied: "The upload form was refused (it may have expired); upload the file again.",
};

function storageSentence(xhr) {
  const body = xhr.responseText || "";
  const code = (body.match(/<Code>([A-Za-z]+)<\/Code>/) || [])[1]
    || (() => { try { return JSON.parse(body).code; } catch { return undefined; } })();
  return STORAGE_ERRORS[code] || `The file could not be stored (HTTP ${xhr.status}); upload it again.`;
}

/** POST the presigned form with the file last, reporting progress (0..1). */
function sendForm(upload, file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append(upload.file_field || "file", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", upload.url);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new ApiError(storageSentence(xhr), xhr.status));
    });
    xhr.addEventListener("error", () => reject(new ApiError("The upload was interrupted; check the connection and upload the file again.")));
    xhr.addEventListener("abort", () => reject(new ApiError("The upload was stopped; upload the file again.")));
    xhr.send(form);
  });
}

export class Uploader {
  constructor(api, onUploaded) {
    this.api = api;
    this.onUploaded = onUploaded;
    this.form = byId("upload-form");
    this.input = byId("csv-file");
    this.button = byId("upload-button");
    this.error = byId("upload-error");
    this.progressRow = byId("upload-progress-row");
    this.progress = byId("upload-progress");
    this.progressText = byId("upload-progress-text");
    this.dropped = null;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.upload();
    });
    this.input.addEventListener("change", () => {
      this.dropped = null;
      this.error.textContent = "";
    });
    this.listenForDrops(byId("drop-zone"));
  }

  listenForDrops(zone) {
    const over = (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    };
    zone.addEventListener("dragenter", over);
    zone.addEventListener("dragover", over);
    zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("dragging");
      const file = event.dataTransfer && event.dataTransfer.files[0];
      if (!file) return;
      this.dropped = file;
      this.input.value = "";
      this.error.textContent = "";
      byId("drop-help").textContent = `Ready to upload ${file.name}.`;
      announce(`${file.name} is ready to upload.`);
    });
  }

  file() {
    return this.dropped || (this.input.files && this.input.files[0]) || null;
  }

  setProgress(fraction) {
    const percent = Math.round(fraction * 100);
    this.progress.value = percent;
    this.progressText.textContent = `${percent}%`;
  }

  async upload() {
    const file = this.file();
    this.error.textContent = "";
    if (!file) {
      this.error.textContent = "Choose a CSV file first.";
      this.input.focus();
      return;
    }
    if (file.size === 0) {
      this.error.textContent = "The file is empty; pick the CSV file with the claims.";
      return;
    }
    this.button.disabled = true;
    this.setProgress(0);
    show(this.progressRow, true);
    try {
      const created = await this.api.createJob(file.name);
      if (file.size > created.upload.max_bytes) {
        throw new ApiError("The file is larger than the upload allows; split it into smaller files.");
      }
      await sendForm(created.upload, file, (fraction) => this.setProgress(fraction));
      this.setProgress(1);
      announce(`${file.name} uploaded; its job appears in the table.`);
      this.form.reset();
      this.dropped = null;
      byId("drop-help").textContent = "Uploaded. Pick or drop the next file.";
      await this.onUploaded(created.job_id);
    } catch (error) {
      this.error.textContent = error instanceof ApiError ? error.message : "The upload failed; try again.";
      show(this.progressRow, false);
    } finally {
      this.button.disabled = false;
    }
  }
}
