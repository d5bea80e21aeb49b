/**
 * Your exercises in workspace/, graded as `bun run grade` grades them, each
 * test labelled "your workspace: ...". Only this file: `bun test workspace`.
 * On a fresh checkout there is no workspace, and one skipped test says how to
 * begin (bun run grade --init).
 */
import { workspaceTests } from "../tools/grader/bun-test.ts";

workspaceTests();
