#!/usr/bin/env python3
"""Usage: ansi_to_html.py [COLUMNS] < capture > page.html

Turns a terminal capture with colours (`tmux capture-pane -e -p`) into an HTML page in a
monospace font, for a screenshot with headless Chromium (scripts/terminal_screenshot.sh)."""
import html
import re
import sys

# xterm's default palette, the colours a terminal user sees.
PALETTE = ["#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
           "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff"]
FG, BG = "#e5e5e5", "#1e1e1e"


def colour256(n):
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[n // 6 % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (v, v, v)


# DEC special graphics, which curses uses for its lines: shifted in with SO (or ESC ( 0) and
# out with SI (or ESC ( B).
LINE_DRAWING = str.maketrans("xqlkmjtuvwn", "│─┌┐└┘├┤┴┬┼")


def convert(text, width=0):
    state = {"fg": None, "bg": None, "bold": False, "dim": False, "rev": False}
    graphics = False
    out = []
    for line in text.rstrip("\n").split("\n"):
        used = 0
        for part in re.split(r"(\x1b\[[0-9;]*m|\x1b\([0B]|\x0e|\x0f)", line):
            if part in ("\x1b(0", "\x1b(B", "\x0e", "\x0f"):
                graphics = part in ("\x1b(0", "\x0e")
                continue
            if graphics and not part.startswith("\x1b"):
                part = part.translate(LINE_DRAWING)
            m = re.fullmatch(r"\x1b\[([0-9;]*)m", part)
            if m:
                codes = [int(c) if c else 0 for c in m.group(1).split(";")]
                i = 0
                while i < len(codes):
                    c = codes[i]
                    if c == 0:
                        state = {"fg": None, "bg": None, "bold": False, "dim": False, "rev": False}
                    elif c == 1:
                        state["bold"] = True
                    elif c == 2:
                        state["dim"] = True
                    elif c == 22:
                        state["bold"] = state["dim"] = False
                    elif c == 7:
                        state["rev"] = True
                    elif c == 27:
                        state["rev"] = False
                    elif 30 <= c <= 37:
                        state["fg"] = PALETTE[c - 30]
                    elif 90 <= c <= 97:
                        state["fg"] = PALETTE[c - 90 + 8]
                    elif c == 39:
                        state["fg"] = None
                    elif 40 <= c <= 47:
                        state["bg"] = PALETTE[c - 40]
                    elif 100 <= c <= 107:
                        state["bg"] = PALETTE[c - 100 + 8]
                    elif c == 49:
                        state["bg"] = None
                    elif c in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                        state["fg" if c == 38 else "bg"] = colour256(codes[i + 2])
                        i += 2
                    i += 1
                continue
            if not part:
                continue
            fg, bg = state["fg"] or FG, state["bg"] or BG
            if state["rev"]:
                fg, bg = bg, fg
            style = "color:%s;background:%s" % (fg, bg)
            if state["bold"]:
                style += ";font-weight:bold"
            if state["dim"]:
                style += ";opacity:0.6"
            out.append('<span style="%s">%s</span>' % (style, html.escape(part)))
            used += len(part)
        # tmux leaves out the blank end of a row; a bar's background still covers it.
        if state["bg"] and used < width:
            out.append('<span style="background:%s">%s</span>' % (state["bg"], " " * (width - used)))
        out.append("\n")
    return ("<!doctype html><meta charset=utf-8><style>body{margin:0;background:%s}"
            "pre{margin:0;padding:8px;font:15px/1.25 'DejaVu Sans Mono',monospace;color:%s}"
            "</style><pre>%s</pre>" % (BG, FG, "".join(out)))


if __name__ == "__main__":
    sys.stdout.write(convert(sys.stdin.read(), int(sys.argv[1]) if len(sys.argv) > 1 else 0))
