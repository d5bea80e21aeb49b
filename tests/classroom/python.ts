/**
 * python3 for the class grader's tests (Python mutants, reading junit.xml back
 * with Python's own XML parser). Skipped outside CI when missing, with one line
 * saying how to install it; under CI=true the tests run, and fail.
 */
export const python3 = Boolean(Bun.which("python3")) || process.env.CI === "true";

if (!python3)
  console.log("classroom: python3 is not installed: skipping its tests (install it: sudo apt-get install python3)");

/** Run a Python script with `input` on stdin; its stdout. */
export async function runPython(script: string, input: string): Promise<string> {
  const p = Bun.spawn(["python3", "-c", script], {
    stdin: new TextEncoder().encode(input),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`python3 failed: ${err}`);
  return out;
}
