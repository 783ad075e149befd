"""``--animate FILE``, ``--frames-dir DIR`` and ``--speed SECONDS`` from the command line: the options checked before
any work, the picture drawn once the answer is computed (its numbers from torch when the layer is small and
confirmation is on), and written before the answer is printed, so a refusal leaves nothing half done."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import InvalidParameter

if TYPE_CHECKING:
    from .core.conv import ConvGeometry
    from .core.pool import PoolGeometry
    from .core.rnn import RnnGeometry
    from .views.svg import Scene

DEFAULT_SPEED = 0.8  # seconds a step
MIN_SPEED, MAX_SPEED = 0.05, 60.0  # faster than 20 steps a second is a blur; a minute a step is a slide show
SUFFIXES = (".svg", ".html")
STILL = re.compile(r"step-\d{3,}\.svg")  # the stills --frames-dir writes


@dataclass(frozen=True)
class Animation:
    """Where the animation goes: one animated file (SVG, or an HTML page with it), a folder of stills, or both."""

    file: str | None
    frames_dir: str | None
    speed: float


def animation_options(animate: str | None, frames_dir: str | None, speed: str | None) -> Animation | None:
    """The options read and their paths checked, before any work; None when no picture is asked for."""
    if speed is not None and animate is None:
        raise InvalidParameter(
            "speed", speed, "--animate with it: the seconds each step of the animation shows", "add --animate FILE.svg"
        )
    seconds = DEFAULT_SPEED if speed is None else _seconds(speed)
    if animate is not None:
        if os.path.splitext(animate)[1].lower() not in SUFFIXES:
            raise InvalidParameter(
                "animate", animate, "a file ending .svg or .html", "name it FILE.svg, or FILE.html for a page with it"
            )
        folder = os.path.dirname(os.path.abspath(animate))
        if os.path.isdir(animate) or not os.path.isdir(folder) or not os.access(folder, os.W_OK):
            raise InvalidParameter("animate", animate, "a file cnncalc can write", "check the folder exists")
    if frames_dir is not None:
        if not frames_dir.strip():
            raise InvalidParameter("frames_dir", "nothing", "a folder's path", "name a new or existing folder")
        made = os.path.abspath(frames_dir)
        where = made if os.path.isdir(made) else os.path.dirname(made)
        if os.path.exists(made) and not os.path.isdir(made):
            raise InvalidParameter("frames_dir", frames_dir, "a folder, not a file", "name a new or existing folder")
        if not os.path.isdir(where) or not os.access(where, os.W_OK):
            raise InvalidParameter(
                "frames_dir", frames_dir, "a folder cnncalc can write, or make in an existing one", "check the path"
            )
    if animate is None and frames_dir is None:
        return None
    return Animation(animate, frames_dir, seconds)


def _seconds(speed: str) -> float:
    expected = f"a number of seconds a step from {MIN_SPEED:g} to {MAX_SPEED:g}"
    try:
        seconds = float(speed)
    except ValueError:
        raise InvalidParameter("speed", speed, expected) from None
    if not math.isfinite(seconds) or not MIN_SPEED <= seconds <= MAX_SPEED:  # nan too
        raise InvalidParameter("speed", speed, expected)
    return seconds


def save(scene: Scene, animation: Animation) -> None:
    """Write the animated file and the stills (step-001.svg, …) where asked."""
    from .views.svg import html_page

    if animation.file is not None:
        svg = scene.animated(animation.speed)
        page = animation.file.lower().endswith(".html")
        _write("animate", animation.file, html_page(scene.title, svg) if page else svg)
    if animation.frames_dir is not None:
        try:
            os.makedirs(animation.frames_dir, exist_ok=True)
        except OSError as error:
            raise InvalidParameter(
                "frames_dir", animation.frames_dir, "a folder cnncalc can make", error.strerror or ""
            ) from None
        # Stills a longer run left here would pass for this layer's: they go first (only cnncalc's own names).
        for name in os.listdir(animation.frames_dir):
            if STILL.fullmatch(name):
                os.remove(os.path.join(animation.frames_dir, name))
        for step in range(scene.steps):
            path = os.path.join(animation.frames_dir, f"step-{step + 1:03d}.svg")
            _write("frames_dir", path, scene.still(step))


def _write(option: str, path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise InvalidParameter(option, path, "a file cnncalc can write", error.strerror or str(error)) from None


def conv_animation(geometry: ConvGeometry, verify: bool) -> Scene:
    """A convolution's window (or a transposed one's scatter); numbers from torch when small and verified."""
    from .views.animation import check_window, conv_scene, numbers_reason

    spec = geometry.spec
    check_window(geometry.axes, spec.transposed)
    reason = numbers_reason(geometry.axes, spec.in_channels, spec.out_channels, verify, not spec.transposed)
    numbers = None
    if not reason:
        from .confirm.numbers import conv_numbers

        numbers = conv_numbers(geometry)
    return conv_scene(geometry, numbers, reason)


def pool_animation(geometry: PoolGeometry, verify: bool) -> Scene:
    """A pooling layer's window; numbers from torch when small and verified."""
    from .views.animation import check_window, numbers_reason, pool_scene

    check_window(geometry.axes)
    reason = numbers_reason(geometry.axes, geometry.spec.channels, 0, verify)
    numbers = None
    if not reason:
        from .confirm.numbers import pool_numbers

        numbers = pool_numbers(geometry)
    return pool_scene(geometry, numbers, reason)


def cell_animation(geometry: RnnGeometry) -> Scene:
    """A recurrent cell stepping through its sequence (shapes, no numbers)."""
    from .views.cell_figure import cell_scene

    return cell_scene(geometry)
