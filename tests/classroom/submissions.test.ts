import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { classInFolder, exerciseOfName, findClass, studentOf, unzipInto } from "../../tools/classroom/submissions.ts";

let dir: string;
const made: string[] = [];
const fresh = () => {
  dir = mkdtempSync(join(tmpdir(), "kit-submissions-"));
  made.push(dir);
  return dir;
};
const put = (path: string, text = "print(1)\n") => {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
};
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});
const enc = (s: string) => new TextEncoder().encode(s);

describe("exercise files", () => {
  test("a file is an exercise by its number, as in workspace/", () => {
    expect(exerciseOfName("01-echo.py")).toBe("01");
    expect(exerciseOfName("02_hub.ts")).toBe("02");
    expect(exerciseOfName("04.chat.js")).toBe("04");
    expect(exerciseOfName("echo.py")).toBeUndefined();
    expect(exerciseOfName("1-echo.py")).toBeUndefined();
    expect(exerciseOfName("05-linked.ts")).toBeUndefined();
  });

  test("finds a student's exercises in their folder and one level below, and notes a file not named as one", () => {
    const root = fresh();
    put(join(root, "01-echo.py"));
    put(join(root, "workspace", "02-hub.ts"), "console.log(1)\n");
    put(join(root, "echo.py"));
    put(join(root, ".git", "01-echo.ts"), "hidden\n");
    put(join(root, "node_modules", "x", "03-client.ts"), "not theirs\n");
    const s = studentOf("alice", root);
    expect(s.files).toEqual({ "01": join(root, "01-echo.py"), "02": join(root, "workspace", "02-hub.ts") });
    expect(s.notes).toEqual([{ kind: "wrong-name", file: "echo.py" }]);
  });

  test("a folder with nothing but hidden files is empty", () => {
    const root = fresh();
    put(join(root, ".gitkeep"), "");
    expect(studentOf("empty", root).notes).toEqual([{ kind: "empty" }]);
  });

  test("a file that starts with #! is a program whatever its name ends with", () => {
    const root = fresh();
    put(join(root, "01-echo"), "#!/usr/bin/env python3\nprint(1)\n");
    expect(studentOf("s", root).files["01"]).toBe(join(root, "01-echo"));
  });
});

describe("layouts", () => {
  test("a folder per student: the folder's name is the student's id, in any script", () => {
    const root = fresh();
    put(join(root, "李雷", "01-echo.py"));
    put(join(root, "bob", "01-echo.ts"));
    mkdirSync(join(root, "empty"));
    const c = classInFolder(root);
    expect(c.layout).toBe("folders");
    expect(c.students.map((s) => s.id)).toEqual(["bob", "empty", "李雷"]);
  });

  test("GitHub Classroom clones: the id is the GitHub user after the assignment's name", () => {
    const root = fresh();
    for (const user of ["octocat", "mona-lisa"]) {
      mkdirSync(join(root, `chat-lab-${user}`, ".git"), { recursive: true });
      put(join(root, `chat-lab-${user}`, "01-echo.py"));
    }
    const c = classInFolder(root);
    expect(c.layout).toBe("github-classroom");
    expect(c.students.map((s) => s.id).sort()).toEqual(["mona-lisa", "octocat"]);
  });

  test("Moodle's zip with a folder per student and plugin: the id is the name and participant number", () => {
    const root = fresh();
    const zip = zipSync({
      "Li Lei_123456_assignsubmission_file/01-echo.py": enc("print(1)\n"),
      "Li Lei_123456_assignsubmission_onlinetext/onlinetext.html": enc("<p>hi</p>"),
      "张伟_123457_assignsubmission_file/work/02-hub.ts": enc("console.log(1)\n"),
      "Ann Lee_123458_assignsubmission_file/lab.zip": zipSync({ "lab/01-echo.ts": enc("console.log(2)\n") }),
    });
    writeFileSync(join(root, "course.zip"), zip);
    const c = findClass(join(root, "course.zip"), join(root, "unpacked"));
    expect(c.layout).toBe("moodle");
    const byId = Object.fromEntries(c.students.map((s) => [s.id, s]));
    expect(Object.keys(byId).sort()).toEqual(["Ann Lee_123458", "Li Lei_123456", "张伟_123457"]);
    expect(Object.keys(byId["Li Lei_123456"]!.files)).toEqual(["01"]);
    expect(Object.keys(byId["张伟_123457"]!.files)).toEqual(["02"]);
    // A zip the student sent is unpacked where it lay.
    expect(Object.keys(byId["Ann Lee_123458"]!.files)).toEqual(["01"]);
  });

  test("Moodle's flat zip (every file at the top, named after its student) is one folder per student", () => {
    const root = fresh();
    writeFileSync(
      join(root, "flat.zip"),
      zipSync({
        "Li Lei_123456_assignsubmission_file_01-echo.py": enc("print(1)\n"),
        "Li Lei_123456_assignsubmission_file_02-hub.py": enc("print(2)\n"),
        "Bo Chen_7_assignsubmission_file_01-echo.ts": enc("console.log(1)\n"),
      }),
    );
    const c = findClass(join(root, "flat.zip"), join(root, "unpacked"));
    expect(c.students.map((s) => [s.id, Object.keys(s.files)])).toEqual([
      ["Bo Chen_7", ["01"]],
      ["Li Lei_123456", ["01", "02"]],
    ]);
  });

  test("an entry of a zip that would land outside the folder is left out", () => {
    const root = fresh();
    const written = unzipInto(
      zipSync({ "../escaped.py": enc("x"), "a/../../b.py": enc("y"), "ok/01-echo.py": enc("z") }),
      join(root, "in"),
    );
    expect(written).toEqual([join(root, "in", "ok", "01-echo.py")]);
  });
});
