// The job API, called with the signed-in session's token. Every failure becomes an
// ApiError whose message is one sentence a person can act on: never JSON, never a trace.

export class ApiError extends Error {
  constructor(sentence, status = 0) {
    super(sentence);
    this.status = status;
  }
}

const UNREACHABLE = "The job API cannot be reached; check the connection and try again.";

function asSentence(text) {
  const trimmed = String(text).trim().replace(/^Value error, /, "");
  if (!trimmed) return "";
  const first = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/** One sentence for an error answer (the API's {message, details} body, or only a status). */
export function sentenceOf(status, body) {
  if (status === 401) return "The sign-in or API token is not valid (any more); sign in again.";
  if (status === 403) return "Your account is not allowed to do this; ask an administrator to set up your tenant.";
  if (status === 429) return "The job API is busy; wait a moment and try again.";
  const message = body && typeof body.message === "string" ? body.message : "";
  const detail = body && Array.isArray(body.details) && body.details.length ? body.details[0] : null;
  if (message && detail && typeof detail.problem === "string") {
    return asSentence(`${message}: ${detail.problem.replace(/^Value error, /, "")}`);
  }
  if (message) return asSentence(message);
  if (status >= 500) return "The job API had a problem; try again in a minute.";
  return `The job API refused the request (HTTP ${status}).`;
}

async function readBody(response) {
  const type = response.headers.get("content-type") || "";
  if (!type.includes("application/json")) return null;
  try {
    return await response.json();
  } catch {
    return null;
  }
}

export class JobApi {
  /** @param session {import("./auth.js").Session} */
  constructor(session) {
    this.session = session;
  }

  async fetch(method, path, body) {
    const headers = { ...(await this.session.authorization()) };
    const init = { method, headers, cache: "no-store", credentials: "omit" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch {
      throw new ApiError(UNREACHABLE);
    }
    if (!response.ok) {
      const error = new ApiError(sentenceOf(response.status, await readBody(response)), response.status);
      if (response.status === 401) this.session.expired(error.message);
      throw error;
    }
    return response;
  }

  async json(method, path, body) {
    const response = await this.fetch(method, path, body);
    return response.status === 204 ? null : await response.json();
  }

  listJobs(limit, next) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (next) query.set("next", next);
    return this.json("GET", `/jobs?${query}`);
  }

  createJob(filename) {
    return this.json("POST", "/jobs", { filename });
  }

  retry(jobId) {
    return this.json("POST", `/jobs/${encodeURIComponent(jobId)}/retry`);
  }

  cancel(jobId) {
    return this.json("POST", `/jobs/${encodeURIComponent(jobId)}/cancel`);
  }

  /** A file the API answers (the errors CSV) or redirects to (the results file), as a Blob. */
  async download(path) {
    const response = await this.fetch("GET", path);
    try {
      return await response.blob();
    } catch {
      throw new ApiError("The download was interrupted; try again.");
    }
  }
}
