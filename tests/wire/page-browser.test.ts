/**
 * The wire drawn, in a real browser (the harness's headless Chromium): a page
 * of diagrams and charts, in English and Chinese, at a phone's width and a
 * wide screen's. What a person would see is checked as a person would: a lane
 * per party, no two labels on top of each other, the divergence marked, a
 * markup reply shown as text and never run, nothing asked of the network,
 * Chinese drawn with a Chinese font; and a watched page that reloads itself.
 * Skipped where Chromium is missing; fails under CI.
 *
 * WIRE_SHOTS=DIR keeps the screenshots it takes there, to look at.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Lang } from "../../src/i18n.ts";
import {
  decodePng,
  ink,
  launchBrowser,
  needBrowser,
  PHONE,
  WIDE,
  until,
  type Browser,
  type Page,
} from "../../tools/harness/index.ts";
import { classPage, reportPath, studentPage } from "../../tools/classroom/html.ts";
import { barChart, cdfChart, cdfOf } from "../../tools/wire/charts.ts";
import { sequenceFigure } from "../../tools/wire/figure.ts";
import { h } from "../../tools/wire/markup.ts";
import { htmlPage, stampFileOf, writePage } from "../../tools/wire/page.ts";
import { benchSample, classSample, hubSequence, udpSequence } from "./fixtures.ts";

const TITLE = { en: "your report", zh: "你的报告" };

/** A page with both diagrams and both charts, as a report would have them. */
function reportPage(lang: Lang, version = ""): (reload?: Parameters<typeof htmlPage>[0]["reload"]) => string {
  const zh = lang === "zh";
  return (reload) =>
    htmlPage({
      lang,
      title: TITLE[lang] + version,
      reload,
      body: [
        h("h1", { id: "heading" }, TITLE[lang] + version),
        h(
          "section",
          { class: "card failing" },
          h("h3", {}, hubSequence(lang).title),
          sequenceFigure(hubSequence(lang), { lang, id: "hub" }),
        ),
        h(
          "section",
          { class: "card failing" },
          h("h3", {}, udpSequence(lang).title),
          sequenceFigure(udpSequence(lang), { lang, id: "udp" }),
        ),
        barChart({
          id: "bars",
          title: zh ? "每秒投递数" : "deliveries/s",
          desc: zh ? "每个中心的每秒投递数" : "deliveries per second, per hub",
          bars: [
            { label: zh ? "本套件的中心（src/server.ts）" : "the kit's hub (src/server.ts)", value: 9_500_000 },
            { label: zh ? "第 02 课的中心" : "lesson 02's hub", value: 214_000 },
          ],
          unit: "/s",
        }),
        cdfChart({
          id: "cdf",
          title: zh ? "延迟" : "latency",
          desc: zh ? "每个场景的延迟分布" : "the latency distribution of each scenario",
          lang,
          unit: zh ? "毫秒（对数刻度）" : "milliseconds (log scale)",
          series: [
            { name: "burst", points: cdfOf([0.3, 0.5, 0.8, 1.2, 40]), note: "p99 40 ms" },
            { name: zh ? "稳定速率" : "steady rate", points: cdfOf([0.2, 0.25, 0.3, 1.6]) },
          ],
        }),
      ],
    });
}

describe.if(needBrowser())("the wire drawn, in a browser", () => {
  let browser: Browser;
  let dir: string;
  let phone: Page;
  let wide: Page;
  const shots = process.env.WIRE_SHOTS;
  const url = (name: string) => pathToFileURL(join(dir, name)).href;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "wire-page-"));
    for (const lang of ["en", "zh"] as const) {
      writePage(join(dir, `${lang}.html`), reportPage(lang));
      writePage(join(dir, `bench-${lang}.html`), () => benchSample(lang));
    }
    const info = classSample("zh");
    writePage(join(dir, "class", "class.html"), () => classPage(info));
    for (const g of info.grades) writePage(join(dir, "class", reportPath(g.id)), () => studentPage(g, "zh"));
    browser = await launchBrowser();
    [phone, wide] = await Promise.all([browser.open(undefined, PHONE), browser.open(undefined, WIDE)]);
  }, 60_000); // Chromium's start, on a busy machine

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const lang of ["en", "zh"] as const)
    test(`draws a lane per party and keeps every label apart, at 375 px and 1400 px (${lang})`, async () => {
      // The phone and the wide screen side by side: each its own window.
      const look = async (page: Page, name: string) => {
        await page.goto(url(`${lang}.html`));
        // One drawing of each diagram is shown, the one for this width: 4 lanes and 2.
        expect(await page.boxes("svg.sequence .lane-head rect")).toHaveLength(6);
        const names = (await page.boxes("svg.sequence .lane-head text")).map((b) => b.text);
        expect(names).toContain(lang === "zh" ? "小王" : "carol");
        expect((await page.boxes("svg text")).length).toBeGreaterThan(60);
        expect(await page.overlaps("svg text")).toEqual([]);
        // The page itself never scrolls sideways: a diagram wider than a phone scrolls in its own box.
        expect(await page.evaluate("document.documentElement.scrollWidth <= innerWidth")).toBe(true);
        const png = await page.screenshot(shots && join(shots, `wire-${lang}-${name}.png`), {
          fullPage: Boolean(shots),
        });
        expect(ink(decodePng(png)).pixels).toBeGreaterThan(5000);
        expect(page.errors).toEqual([]);
      };
      await Promise.all([look(phone, "phone"), look(wide, "wide")]);
    });

  test("draws the benchmark's bars and distributions with every label apart, at 375 px and 1400 px", async () => {
    for (const page of [phone, wide])
      for (const lang of ["en", "zh"] as const) {
        await page.goto(url(`bench-${lang}.html`));
        expect(await page.boxes("svg.chart.bars rect.bar")).toHaveLength(8);
        expect(await page.boxes("svg.chart.cdf path.step")).toHaveLength(3);
        expect(await page.overlaps("svg text")).toEqual([]);
        expect(await page.evaluate("document.documentElement.scrollWidth <= innerWidth")).toBe(true);
        if (shots)
          await page.screenshot(join(shots, `bench-${lang}-${page === phone ? "phone" : "wide"}.png`), {
            fullPage: true,
          });
      }
    expect([...phone.outsideRequests(), ...wide.outsideRequests()]).toEqual([]);
  });

  test("opens a student's report from a cell of the class's grid, every label apart in both", async () => {
    await phone.goto(url("class/class.html"));
    expect(await phone.overlaps("svg text")).toEqual([]);
    expect(await phone.boxes("svg.chart.bars rect.bar")).toHaveLength(2);
    await phone.click('a[href$="#ex-01"].bad');
    await phone.waitFor(`location.hash === "#ex-01" && document.querySelector("figure.wire")`, { what: "the report" });
    expect(await phone.title()).toBe("李雷 的评分反馈");
    expect(await phone.boxes(".narrow svg.sequence")).toHaveLength(2);
    expect(await phone.overlaps("svg text")).toEqual([]);
    if (shots) await phone.screenshot(join(shots, "class-report-phone.png"), { fullPage: true });
    // A student whose id carries markup: shown as text, nothing made of it.
    await phone.goto(url(`class/${reportPath('<img src=x onerror="document.title=1">')}`));
    expect(await phone.title()).toBe('<img src=x onerror="document.title=1"> 的评分反馈');
    expect(await phone.evaluate(`document.querySelectorAll("img, script").length`)).toBe(0);
    expect(phone.outsideRequests()).toEqual([]);
  });

  test("marks the first divergence, with what was expected beside it", async () => {
    for (const lang of ["en", "zh"] as const) {
      await wide.goto(url(`${lang}.html`));
      const expected = await wide.boxes("svg.sequence .divergence .expected");
      expect(expected.map((b) => b.text).join(" ")).toContain(lang === "zh" ? "✗ 期望：" : "✗ expected:");
      const bands = await wide.boxes("svg.sequence .divergence .band");
      expect(bands).toHaveLength(2); // the reply in the hub's drawing, the missing answer in the UDP one
      const fill = await wide.evaluate(
        `getComputedStyle(document.querySelector("svg.sequence .divergence .band")).fill`,
      );
      expect(fill).not.toBe("none");
      // The expected words sit inside the band, under the arrow.
      expect(expected[0]!.y).toBeGreaterThan(bands[0]!.y);
      expect(expected[0]!.y + expected[0]!.height).toBeLessThanOrEqual(bands[0]!.y + bands[0]!.height);
    }
  });

  test("shows a reply carrying markup as text: the title unchanged, no element made from it", async () => {
    await wide.goto(url("en.html"));
    expect(await wide.title()).toBe(TITLE.en);
    expect(await wide.evaluate(`document.querySelectorAll("img, b, script, iframe").length`)).toBe(0);
    const shown = await wide.evaluate<string>(
      `document.querySelector("svg.sequence .divergence .diverged").textContent`,
    );
    expect(shown).toContain('<script>document.title=\\"owned\\"</script><img');
    expect(await wide.evaluate<string>(`document.querySelector("pre.timeline").textContent`)).toContain("onerror=");
    expect(wide.errors).toEqual([]);
  });

  test("asks nothing of anything outside the page", async () => {
    await phone.goto(url("zh.html"));
    expect(phone.requests.length).toBeGreaterThan(0);
    expect([...phone.outsideRequests(), ...wide.outsideRequests()]).toEqual([]);
    // Nothing but the page itself, even locally.
    const others = [...phone.requests, ...wide.requests].filter((r) => !/\.html(#[\w-]*)?$/.test(r.url));
    expect(others).toEqual([]);
  });

  test("draws Chinese with a Chinese font, not as boxes", async () => {
    await phone.goto(url("zh.html"));
    const fonts = await phone.fontsOf(".narrow svg.sequence .divergence .expected");
    expect(fonts.some((f) => /CJK|Hei|Song|Ming|WenQuanYi/i.test(f.family))).toBe(true);
    expect(await phone.evaluate("document.documentElement.lang")).toBe("zh-CN");
  });

  test("reloads itself when watched and written again, and only then", async () => {
    const file = join(dir, "watched.html");
    writePage(file, reportPage("en", " 1"), true);
    await wide.goto(url("watched.html"));
    expect(await wide.title()).toBe(`${TITLE.en} 1`);
    const loads = () => wide.requests.filter((r) => r.url.endsWith("watched.html")).length;
    const stamps = () => wide.requests.filter((r) => r.url.includes(stampFileOf(file))).length;
    // It asks for its stamp every second, and stays while the page has not changed.
    await until(() => stamps() >= 1, 5000, "the page to load its stamp");
    await wide.waitFor("window.wireStamp && performance.now() > 1200", { what: "the stamp to have run" });
    expect(loads()).toBe(1);
    writePage(file, reportPage("en", " 2"), true);
    await wide.waitFor(`document.title === ${JSON.stringify(`${TITLE.en} 2`)}`, { ms: 5000, what: "the reload" });
    expect(loads()).toBe(2);
    expect(wide.outsideRequests()).toEqual([]);
    expect(wide.errors).toEqual([]);
  });
});
