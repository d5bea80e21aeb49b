/**
 * The terminal client's screen: a line that arrives is printed ABOVE the
 * prompt, never through it, and what you were typing is drawn again below it.
 * The half-typed line is readline's, not ours: to print, we wipe the prompt
 * row(s), write, and ask readline to draw prompt and line again
 * (`rl.prompt(true)`). Into a pipe, lines are only written, one after another.
 */
import { clearScreenDown, cursorTo, moveCursor, type Interface } from "node:readline";

export class Screen {
  /** Readline, once it owns the keyboard. */
  private rl: Interface | undefined;

  constructor(
    private readonly out: NodeJS.WriteStream,
    /** A person at a terminal (not a pipe): only then do we move the cursor around. */
    readonly interactive: boolean,
  ) {}

  /** Readline owns the keyboard from here on. */
  attach(rl: Interface): void {
    this.rl = rl;
  }

  /** Shows the prompt (with what was typed so far); not into a pipe, where it is only noise. */
  prompt(): void {
    if (this.rl && this.interactive) this.rl.prompt(true);
  }

  /** Prints one line above the prompt. */
  show(text: string): void {
    const { rl, out } = this;
    if (rl && this.interactive) {
      moveCursor(out, 0, -rl.getCursorPos().rows); // a long input may wrap over several rows
      cursorTo(out, 0);
      clearScreenDown(out);
      out.write(text + "\n");
      this.prompt();
    } else {
      out.write(text + "\n");
    }
  }

  /**
   * Readline has already echoed what you typed, and moved to the next row. Take
   * that echo back, so the line can be shown as the room sees it, with time and nick.
   */
  eraseEcho(typed: string): void {
    const { rl, out } = this;
    if (!rl || !this.interactive) return;
    const width = Bun.stringWidth(rl.getPrompt() + typed);
    const columns = out.columns || 80;
    moveCursor(out, 0, -(Math.floor(width / columns) + 1));
    cursorTo(out, 0);
    clearScreenDown(out);
  }

  /** A line refused before it was sent: given back to the prompt, for editing. */
  giveBack(line: string): void {
    if (this.rl && this.interactive) this.rl.write(line);
  }

  /** Leaving: the prompt is wiped, and readline lets go of the keyboard. */
  close(): void {
    if (this.rl && this.interactive) {
      cursorTo(this.out, 0);
      clearScreenDown(this.out);
    }
    this.rl?.close();
  }
}
