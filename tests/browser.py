"""``make check-browser``: play cnncalc's animations in headless Chromium and check screenshots of them.

Not a pytest module (it needs a browser, and takes a minute): run ``python tests/browser.py``. For each case it
writes an animation with cnncalc, then for chosen steps a page that holds the SVG inline and a script that seeks
every CSS animation on the page to the middle of that step (the Web Animations API: ``getAnimations()``,
``pause()``, ``currentTime``; the script is the test page's, the SVG has none), and screenshots it. The pixels are
read back (a PNG reader below: no dependency) and the window is looked for where the stride puts it: each padded
input cell's inside is compared with the same point during the hold after the last step, when the window is
hidden; the cells whose colour changed must be exactly that step's taps. With numbers, the output cells up to
that step must hold ink and the later ones none. Each case is checked in the light and the dark scheme
(``--force-dark-mode``). Then the file is shown as an ``<img>`` (how a README shows it), where no script reaches
it: shot after the page has waited 0, 250 and 450 ms, the pictures must differ, each with the window on some
step's taps (or none, the hold).

Screenshots go to build/browser/. Exit 0 when every check passes, 1 otherwise (or when Chromium is missing).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
import zlib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parent.parent
OUT = ROOT / "build" / "browser"
SVG = "{http://www.w3.org/2000/svg}"
SPEED = 1.0  # seconds a step, so a moment in milliseconds reads as step·1000 + 500
HOLD = 2  # cnncalc.views.svg.HOLD, restated: this check reads the file as a stranger would


@dataclass(frozen=True)
class Case:
    """A layer and its geometry along (rows, columns), written out here from the options, not asked of cnncalc."""

    name: str
    args: tuple[str, ...]
    size: tuple[int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    pad: tuple[int, int]
    dilation: tuple[int, int]
    numbers: bool

    @property
    def out(self) -> tuple[int, int]:
        return tuple(  # type: ignore[return-value]
            (n + 2 * p - d * (k - 1) - 1) // s + 1
            for n, k, s, p, d in zip(self.size, self.kernel, self.stride, self.pad, self.dilation, strict=True)
        )

    def taps(self, step: int) -> set[tuple[int, int]]:
        """The padded cells the window reads at ``step`` (row by row)."""
        r, c = divmod(step, self.out[1])
        return {
            (r * self.stride[0] + a * self.dilation[0], c * self.stride[1] + b * self.dilation[1])
            for a in range(self.kernel[0])
            for b in range(self.kernel[1])
        }


CASES = [
    Case("conv-7x7-f3-s2", ("conv", "--w", "7", "--f", "3", "--s", "2"), (7, 7), (3, 3), (2, 2), (0, 0), (1, 1), True),
    Case(
        "pool-max-pad-dilated",
        ("pool", "--input", "1x6x7", "--f", "2", "--s", "2", "--p", "1", "--dilation", "2"),
        (6, 7), (2, 2), (2, 2), (1, 1), (2, 2), True,
    ),
    Case(
        "conv-plain-dilated",
        ("conv", "--input", "16x9x11", "--k", "32", "--f", "2", "--s", "3", "--dilation", "2", "--p", "1",
         "--no-verify"),
        (9, 11), (2, 2), (3, 3), (1, 1), (2, 2), False,
    ),
]  # fmt: skip


def read_png(data: bytes) -> tuple[int, int, list[bytearray], int]:
    """(width, height, rows of bytes, bytes a pixel) of an 8-bit RGB or RGBA PNG, as Chromium writes them."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    chunks, at = {}, 8
    idat = b""
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        if kind == b"IDAT":
            idat += body
        else:
            chunks[kind] = body
        at += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    size = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * size
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - size] if i >= size else 0
            up, corner = previous[i], previous[i - size] if i >= size else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                guess = left + up - corner
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(line)
        previous = line
    return width, height, rows, size


class Shot:
    def __init__(self, path: Path) -> None:
        self.width, self.height, self.rows, self.size = read_png(path.read_bytes())

    def pixel(self, x: float, y: float) -> tuple[int, int, int]:
        i = int(x) * self.size
        row = self.rows[int(y)]
        return row[i], row[i + 1], row[i + 2]


def distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> int:
    return sum(abs(p - q) for p, q in zip(a, b, strict=True))


def screenshot(
    chromium: str, page: Path, png: Path, width: int, height: int, dark: bool, extra: tuple[str, ...] = ()
) -> Shot:
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        "--run-all-compositor-stages-before-draw", f"--window-size={width},{height}", f"--screenshot={png}",
        *(("--force-dark-mode",) if dark else ()), *extra, page.as_uri(),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return Shot(png)


def seek_page(svg: str, moment_ms: float, folder: Path, name: str) -> Path:
    """The SVG inline in a page whose script pauses every animation at ``moment_ms``."""
    page = folder / f"{name}.html"
    script = f"for (const a of document.getAnimations()) {{ a.pause(); a.currentTime = {moment_ms}; }}"
    page.write_text(f'<!DOCTYPE html><html><body style="margin:0">{svg}<script>{script}</script></body></html>')
    return page


def geometry(root: ElementTree.Element, case: Case) -> tuple[float, float, float]:
    """The padded input's first cell (x, y) and the cell's side, from the input's outline in the file."""
    edge = next(r for r in root.iter(f"{SVG}rect") if "edge" in (r.get("class") or "").split())
    pitch = float(edge.get("width", 0)) / case.size[1]
    return float(edge.get("x", 0)) - case.pad[1] * pitch, float(edge.get("y", 0)) - case.pad[0] * pitch, pitch


def inside(x0: float, y0: float, pitch: float, cell: tuple[int, int]) -> tuple[float, float]:
    """A point inside a cell clear of its value, its × and the pick mark: the window's tint shows there."""
    x, y = x0 + cell[1] * pitch, y0 + cell[0] * pitch
    return (x + 0.27 * pitch, y + 0.27 * pitch) if pitch >= 20 else (x + 0.25 * pitch, y + 0.5 * pitch)


def windowed(
    shot: Shot, rest: Shot, x0: float, y0: float, pitch: float, cells: list[tuple[int, int]]
) -> set[tuple[int, int]]:
    """The cells whose colour differs from the same point while the window is hidden."""
    return {
        cell
        for cell in cells
        if distance(shot.pixel(*inside(x0, y0, pitch, cell)), rest.pixel(*inside(x0, y0, pitch, cell))) > 24
    }


def check(chromium: str, case: Case, folder: Path, failures: list[str]) -> None:
    svg_path = folder / f"{case.name}.svg"
    write = [sys.executable, "-m", "cnncalc", *case.args, "--animate", str(svg_path), "--speed", str(SPEED), "-q"]
    subprocess.run(write, check=True, capture_output=True, cwd=ROOT)
    svg = svg_path.read_text()
    root = ElementTree.fromstring(svg)
    width, height = int(float(root.get("width", 0))), int(float(root.get("height", 0)))
    steps = case.out[0] * case.out[1]
    if root.get("data-steps") != str(steps):
        failures.append(f"{case.name}: data-steps {root.get('data-steps')}, expected {steps}")
    x0, y0, pitch = geometry(root, case)
    padded = [(y, x) for y in range(case.size[0] + 2 * case.pad[0]) for x in range(case.size[1] + 2 * case.pad[1])]
    outputs = [e for e in root.iter(f"{SVG}text") if e.get("data-out")]
    for dark in (False, True):
        scheme = "dark" if dark else "light"
        rest = screenshot(chromium, seek_page(svg, (steps + 0.5) * SPEED * 1000, folder, "rest"),
                          OUT / f"{case.name}-{scheme}-hold.png", width, height, dark)  # fmt: skip
        background = rest.pixel(1, 1)
        if (sum(background) < 100) != dark:
            failures.append(f"{case.name} {scheme}: background {background} is not {scheme}")
        for step in sorted({0, 1, steps // 2, steps - 1}):
            png = OUT / f"{case.name}-{scheme}-step{step + 1}.png"
            shot = screenshot(
                chromium, seek_page(svg, (step + 0.5) * SPEED * 1000, folder, "seek"), png, width, height, dark
            )
            found, want = windowed(shot, rest, x0, y0, pitch, padded), case.taps(step)
            print(f"  {png.relative_to(ROOT)}: window on {sorted(found)}")
            if found != want:
                failures.append(f"{png.name}: the window is on {sorted(found)}, expected {sorted(want)}")
            for element in outputs:  # written up to this step, blank after
                k, r, c = (int(n) for n in (element.get("data-out") or "").split(","))
                x, y = float(element.get("x", 0)), float(element.get("y", 0))
                cell_bg = shot.pixel(x - pitch / 2 + 3, y - 4 - pitch / 2 + 3)
                ink = any(
                    distance(shot.pixel(x + dx, y - 4 + dy), cell_bg) > 150
                    for dx in range(-6, 7)
                    for dy in range(-4, 5)
                )
                if ink != (r * case.out[1] + c <= step):
                    failures.append(
                        f"{png.name}: output [{k}][{r}, {c}] {'written' if ink else 'blank'} at step {step + 1}"
                    )
    # As an image, as a README shows it: no script reaches it, so it must play by itself. An image keeps its own
    # clock, which a page's virtual time does not move: once the image has loaded, the page waits (busy, in real
    # time) before it is shot. The file is written fast (0.1 s a step); the shots must differ, each with some
    # step's window (or none: the hold).
    fast = folder / f"{case.name}-fast.svg"
    write = [sys.executable, "-m", "cnncalc", *case.args, "--animate", str(fast), "--speed", "0.1", "-q"]
    subprocess.run(write, check=True, capture_output=True, cwd=ROOT)
    rest = Shot(OUT / f"{case.name}-light-hold.png")
    seen = []
    for wait in (0, 250, 450):
        image = folder / "image.html"
        # once the image has loaded and a frame has begun, block the page: its load (and the shot) waits
        busy = f"const t0 = performance.now(); while (performance.now() < t0 + {wait}) {{}}"
        wait_js = f"requestAnimationFrame(() => {{ {busy} }})"
        image.write_text(
            f'<!DOCTYPE html><html><body style="margin:0"><img src="{fast.as_uri()}" onload="{wait_js}"></body></html>'
        )
        png = OUT / f"{case.name}-img-after-{wait}ms.png"
        found = windowed(screenshot(chromium, image, png, width, height, False), rest, x0, y0, pitch, padded)
        seen.append(frozenset(found))
        print(f"  {png.relative_to(ROOT)} (an <img>): window on {sorted(found)}")
        if found and found not in [case.taps(s) for s in range(steps)]:
            failures.append(f"{png.name}: the image shows the window on {sorted(found)}, no step's taps")
    if len(set(seen)) < 2:
        failures.append(f"{case.name}: the <img> showed the same picture at every moment: does it play?")


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        print("check-browser: no Chromium found (Debian: apt-get install chromium); nothing was checked")
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        for case in CASES:
            print(f"{case.name}: cnncalc {' '.join(case.args)}")
            check(chromium, case, Path(folder), failures)
    for failure in failures:
        print(f"FAILED {failure}")
    print(f"check-browser: {'all checks passed' if not failures else f'{len(failures)} failed'}; screenshots in {OUT}")
    return 1 if failures else 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
