import { describe, expect, it } from "vitest";
import { runEnvironment } from "../report/environment.ts";
import { renderTrainingReport } from "../report/report-html.ts";
import { emptyHistory } from "../train/history.ts";
import { tradeOffCurve } from "./open-set.ts";
import { faceReportParts } from "./report-section.ts";

/** The markup of `<section id=…>`. */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}"`);
  expect(start, `section ${id}`).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf("</section>", start));
}

describe("faceReportParts", () => {
  it("adds the open-set section and the rule to the summary, with the curve and the chosen threshold", async () => {
    const known = Array.from({ length: 20 }, (_, i) => ({
      predicted: i % 3,
      actual: i % 3,
      probability: 0.6 + (i % 4) / 10,
      distance: 0.1 + (i % 5) / 50,
    }));
    const strangers = Array.from({ length: 10 }, (_, i) => ({
      predicted: i % 3,
      actual: -1,
      probability: 0.3 + i / 40,
      distance: 0.3 + i / 50,
    }));
    const curve = tradeOffCurve("distance", known, strangers, [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4]);
    const html = await renderTrainingReport({
      name: "faces",
      architecture: "face-head-linear+centroids",
      createdAt: "2026-11-27T23:00:00.000Z",
      labels: ["ann", "bob", "cat"],
      history: emptyHistory(),
      bestEpoch: null,
      stopReason: "completed",
      evaluation: { count: 0, loss: 0, accuracy: 0, confusion: [], perClassAccuracy: [] },
      configuration: {},
      environment: runEnvironment("cpu"),
      timings: { phases: [], totalSeconds: 1 },
      ...faceReportParts({
        openSet: {
          curves: { distance: curve },
          chosen: { kind: "distance", threshold: 0.25 },
          knownAcceptedCorrect: 1,
          strangersRejected: 1,
          strangers: 10,
        },
        noFace: [{ path: "bob/landscape.jpg", reason: "no face detected" }],
      }),
    });
    expect(html).toContain('<p class="lead">Face model <code>face-head-linear+centroids</code>');
    expect(section(html, "summary")).toContain("distance ≤ 0.25");
    const face = section(html, "open-set");
    expect(face).toMatch(/<svg[^>]*>[\s\S]*<path/);
    expect(face).toContain("chosen 0.25");
    expect(face).toContain("Chosen threshold: <strong>distance 0.25</strong>");
    expect(face).toContain("<code>bob/landscape.jpg</code>");
    expect(face).toContain("no face detected");
  });
});
