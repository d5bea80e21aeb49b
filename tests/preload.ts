// Loaded before every test file (see bunfig.toml).
// Socket tests start real servers and child processes: give them room on a
// slow 2-core machine. Bun ignores a timeout set in bunfig.toml, hence here.
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(20_000);
