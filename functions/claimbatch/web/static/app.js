// The page's entry point: read how to sign in, sign in, then show the upload form,
// the jobs table and the notification settings.

import { JobApi } from "./api.js";
import { Session, SignInError } from "./auth.js";
import { byId, show } from "./dom.js";
import { JobsTable } from "./jobs.js";
import { NotificationSettings } from "./notifications.js";
import { Uploader } from "./upload.js";

let jobs = null;

function showSignIn(session, sentence = "") {
  if (jobs) jobs.stop();
  show(byId("workspace"), false);
  show(byId("session"), false);
  show(byId("sign-in"), true);
  const tokenForm = session.mode === "token";
  show(byId("token-form"), tokenForm);
  show(byId("hosted-sign-in"), !tokenForm);
  byId(tokenForm ? "token-error" : "hosted-sign-in-error").textContent = sentence;
  (tokenForm ? byId("api-token") : byId("hosted-sign-in-button")).focus();
}

async function showWorkspace(session, api) {
  show(byId("sign-in"), false);
  show(byId("workspace"), true);
  show(byId("session"), session.mode !== "none");
  byId("signed-in-as").textContent = session.who();
  if (!jobs) {
    jobs = new JobsTable(api);
    new Uploader(api, (uploadId) => jobs.follow(uploadId));
    api.notifications = new NotificationSettings(api);
  }
  await jobs.refresh();
  await api.notifications.load();
}

function wireSignIn(session, api) {
  byId("token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = byId("api-token").value.trim();
    if (!token) {
      byId("token-error").textContent = "Type the API token first.";
      return;
    }
    session.useToken(token);
    byId("api-token").value = "";
    await showWorkspace(session, api);
    if (!byId("workspace").hidden) byId("main").focus(); // else refused: the sign-in form is back
  });
  byId("hosted-sign-in-button").addEventListener("click", () => session.beginHostedSignIn());
  byId("sign-out").addEventListener("click", () => {
    session.signOut();
    if (session.mode === "token") showSignIn(session, "");
  });
}

async function start() {
  let config;
  try {
    const response = await fetch("/web/config.json", { cache: "no-store" });
    config = await response.json();
  } catch {
    byId("loading").textContent = "The page could not load its settings; reload it.";
    return;
  }
  const session = new Session(config, (sentence) => showSignIn(session, sentence));
  const api = new JobApi(session);
  wireSignIn(session, api);
  show(byId("loading"), false);
  let signedIn = false;
  try {
    signedIn = await session.restore();
  } catch (error) {
    showSignIn(session, error instanceof SignInError ? error.message : "The sign-in failed; try again.");
    return;
  }
  if (signedIn) await showWorkspace(session, api);
  else showSignIn(session);
}

start();
