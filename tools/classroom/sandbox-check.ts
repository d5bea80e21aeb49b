/**
 * Whether the sandbox can run here, found by running it once (a jailed `sh`
 * inside an isolated network, its exit code read back), and when it cannot, the
 * one line that tells the teacher why: no bubblewrap, or user namespaces turned
 * off (naming the setting). And what grading without it gives up.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Lang } from "../grader/text.ts";
import { isolatedNetwork, jail } from "./sandbox.ts";

export type SandboxCheck = { ok: true } | { ok: false; why: string };

const say = (lang: Lang, en: string, zh: string) => (lang === "zh" ? zh : en);

/** The tools the sandbox's command lines use, each with the Debian package that has it. */
const TOOLS = [
  ["bwrap", "bubblewrap"],
  ["setpriv", "util-linux"],
  ["prlimit", "util-linux"],
  ["bash", "bash"],
] as const;

const PROBE_EXIT = 7;
/** bwrap 0.8.0 (Debian 12) is the first with --disable-userns. As major * 1000 + minor. */
const BWRAP_AT_LEAST = 8;
const checked: Partial<Record<Lang, SandboxCheck>> = {};

/** `{ ok: true }`, or why the sandbox cannot run here in one line (asked once per language). */
export function sandboxAvailable(lang: Lang = "en"): SandboxCheck {
  return (checked[lang] ??= probe(lang));
}

function probe(lang: Lang): SandboxCheck {
  for (const [tool, pkg] of TOOLS) {
    if (!Bun.which(tool)) {
      const install = `sudo apt-get install ${pkg}`;
      return {
        ok: false,
        why: say(lang, `no sandbox: ${tool} is missing (${install})`, `无法使用沙箱：缺少 ${tool}（${install}）`),
      };
    }
  }
  const version = /(\d+)\.(\d+)/.exec(Bun.spawnSync(["bwrap", "--version"]).stdout.toString());
  if (version && Number(version[1]) * 1000 + Number(version[2]) < BWRAP_AT_LEAST) {
    const old = version[0];
    return {
      ok: false,
      why: say(
        lang,
        `no sandbox: bubblewrap ${old} is too old (0.8 or later)`,
        `无法使用沙箱：bubblewrap ${old} 太旧（需要 0.8 或更新）`,
      ),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "kit-sandbox-"));
  try {
    chmodSync(dir, 0o755);
    const argv = isolatedNetwork(jail(["/bin/sh", "-c", `exit ${PROBE_EXIT}`], { dir }));
    const run = Bun.spawnSync(argv, { stdin: "ignore", stdout: "ignore", stderr: "pipe", timeout: 10_000 });
    if (run.exitCode === PROBE_EXIT) return { ok: true };
    const said = (run.stderr.toString().trim().split("\n")[0] ?? "").replace(/^bwrap: /, "").slice(0, 36);
    return { ok: false, why: namespacesOff(lang) ?? cannotRun(lang, said || `exit ${run.exitCode}`) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sysctl = (name: string): string | undefined => {
  try {
    return readFileSync(`/proc/sys/${name.replaceAll(".", "/")}`, "utf8").trim();
  } catch {
    return undefined;
  }
};

/** When user namespaces are off for normal users (and we are one): which setting says so. */
function namespacesOff(lang: Lang): string | undefined {
  if (process.getuid?.() === 0) return undefined;
  const off = [
    ["kernel.unprivileged_userns_clone", "0"],
    ["user.max_user_namespaces", "0"],
    ["kernel.apparmor_restrict_unprivileged_userns", "1"],
  ].find(([name, value]) => sysctl(name!) === value);
  if (!off) return undefined;
  const setting = `${off[0]}=${off[1]}`;
  return say(
    lang,
    `no sandbox: user namespaces are off (sysctl ${setting})`,
    `无法使用沙箱：用户命名空间已关闭（sysctl ${setting}）`,
  );
}

const cannotRun = (lang: Lang, said: string) =>
  say(lang, `no sandbox: bubblewrap cannot run here: ${said}`, `无法使用沙箱：bubblewrap 无法在这里运行：${said}`);

/** One line: what grading with --no-sandbox gives up. */
export function noSandboxWarning(lang: Lang): string {
  return say(
    lang,
    "no sandbox: programs run as you, unlimited, can read your files and fake grades",
    "没有沙箱：程序以你的身份运行，不受限制，能读你的文件、伪造成绩",
  );
}
