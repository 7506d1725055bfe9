// Verifies webhook deliveries with the standardwebhooks package, independently of the Go code that
// signed them. Input (argv[2]): {"secret": "whsec_…", "messages": [{"id", "timestamp", "signature",
// "body"}]}. Output: one line of JSON, [{"id", "ok", "error"}], one entry per message.
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";

const input = JSON.parse(readFileSync(process.argv[2], "utf8"));
const wh = new Webhook(input.secret);
const results = input.messages.map((m) => {
  try {
    wh.verify(m.body, { "webhook-id": m.id, "webhook-timestamp": m.timestamp, "webhook-signature": m.signature });
    return { id: m.id, ok: true };
  } catch (err) {
    return { id: m.id, ok: false, error: String(err && err.message || err) };
  }
});
process.stdout.write(JSON.stringify(results) + "\n");
