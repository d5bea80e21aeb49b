/**
 * `bun run bench --html`'s page, from figures written by hand: deliveries per
 * second per hub as bars, each scenario's latency distribution, the big room's
 * memory per member and the idle connections', the ratios and goals as text.
 */
import { describe, expect, test } from "bun:test";
import { benchSample as samplePage } from "./fixtures.ts";

describe("the benchmark's page", () => {
  test("draws deliveries per second as a bar per hub, in proportion, each scenario apart", () => {
    const page = samplePage("en");
    expect(page).toContain(">burst</h2>");
    expect(page).toContain(">rate</h2>");
    const burst = page.slice(page.indexOf(">burst</h2>"), page.indexOf(">rate</h2>"));
    const widths = [...burst.matchAll(/<rect class="bar s\d" x="8" y="[\d.]+" width="([\d.]+)"/g)].map((m) =>
      Number(m[1]),
    );
    expect(widths).toHaveLength(2);
    expect(widths[0]! / widths[1]!).toBeCloseTo(214_000 / 9_500_000, 2);
    expect(burst).toContain(">9,500,000 /s</text>");
    expect(page).toContain("kit &lt;b&gt;");
    expect(page).not.toContain("<b>");
  });

  test("draws each scenario's latency distribution on a log axis, with its percentiles in words", () => {
    const page = samplePage("en");
    expect(page.match(/<svg class="chart cdf"/g)).toHaveLength(2);
    expect(page).toContain("lesson02: p50 ");
    expect(page).toContain(">100</text>"); // 400 ms reaches the 100 ms decade and past it
    // Every percentile of the summary is a step: dense in the tail.
    const steps = /<path class="step s0" d="([^"]+)"/.exec(page)![1]!;
    expect(steps.match(/V/g)!.length).toBeGreaterThanOrEqual(15);
  });

  test("draws the big room's memory per member and the idle connections', and lists the ratios and goals", () => {
    const page = samplePage("zh");
    expect(page).toContain("bigroom：每个成员占用的中心内存（10,000 名成员）");
    expect(page).toContain(">3.00 KiB</text>"); // (70,000 - 40,000) KiB / 10,000 members
    expect(page).toContain(">2,560 B</text>"); // (42,500 - 40,000) KiB / 1,000 connections
    expect(page).toContain("<li>burst: kit 9,500,000 / lesson02 214,000 deliveries/s = 44.39x</li>");
    expect(page).toContain('<html lang="zh-CN">');
  });

  test("asks for nothing outside itself", () => {
    const page = samplePage("en");
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(page).toContain("default-src &#39;none&#39;");
    expect(page).not.toContain("<script");
  });
});
