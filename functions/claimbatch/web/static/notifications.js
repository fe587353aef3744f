// Notification settings: the webhook URLs and e-mail addresses told when a job ends,
// through GET/PUT /notifications and POST /notifications/test. A server without those
// routes (404) gets a sentence instead of the form.

import { ApiError } from "./api.js";
import { announce, byId, el, show } from "./dom.js";

const lines = (text) => text.split("\n").map((line) => line.trim()).filter(Boolean);

export class NotificationSettings {
  constructor(api) {
    this.api = api;
    this.form = byId("notifications-form");
    this.webhooks = byId("webhook-urls");
    this.emails = byId("notification-emails");
    this.error = byId("notifications-error");
    this.status = byId("notifications-status");
    this.unavailable = byId("notifications-unavailable");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    byId("test-notifications").addEventListener("click", () => this.sendTest());
  }

  async load() {
    try {
      this.fill(await this.api.json("GET", "/notifications"));
      show(this.form, true);
      show(this.unavailable, false);
    } catch (error) {
      show(this.form, false);
      this.unavailable.textContent = error.status === 404
        ? "Notification settings are not available on this server."
        : (error instanceof ApiError ? error.message : "The notification settings could not be loaded.");
      show(this.unavailable, true);
    }
  }

  fill(settings) {
    this.webhooks.value = settings.webhooks.map((webhook) => webhook.url).join("\n");
    this.emails.value = settings.emails.join("\n");
  }

  async save() {
    this.error.textContent = "";
    this.status.replaceChildren();
    const body = { webhooks: lines(this.webhooks.value).map((url) => ({ url })), emails: lines(this.emails.value) };
    try {
      const saved = await this.api.json("PUT", "/notifications", body);
      this.fill(saved);
      const secrets = saved.webhooks.filter((webhook) => webhook.secret);
      const children = [el("p", { text: "Notification settings saved." })];
      if (secrets.length) {
        children.push(el("p", { text: "Signing secret of each new webhook, shown only now: copy it into the receiving system." }));
        children.push(el("dl", {}, secrets.flatMap((webhook) => [
          el("dt", { text: webhook.url }),
          el("dd", { className: "secret", text: webhook.secret }),
        ])));
      }
      this.status.replaceChildren(...children);
      announce("Notification settings saved.");
    } catch (error) {
      this.error.textContent = error instanceof ApiError ? error.message : "The settings could not be saved.";
    }
  }

  async sendTest() {
    this.error.textContent = "";
    this.status.replaceChildren();
    try {
      const answer = await this.api.json("POST", "/notifications/test");
      if (!answer.results.length) {
        this.status.replaceChildren(el("p", { text: "No webhook or e-mail address is set up yet; save one first." }));
        return;
      }
      const items = answer.results.map((result) =>
        el("li", { text: `${result.channel}: ${result.delivered ? "delivered" : "not delivered"} — ${result.detail}` }));
      this.status.replaceChildren(el("p", { text: "Test sent:" }), el("ul", {}, items));
      announce("Test notification sent.");
    } catch (error) {
      this.error.textContent = error instanceof ApiError ? error.message : "The test could not be sent.";
    }
  }
}
