"""``cnncalc lstm``: an LSTM's, GRU's or RNN's gates, parameters and states, checked against torch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core.rnn import RnnGeometry, make_rnn_spec, rnn_geometry
from ..core.values import Given
from ..errors import InvalidParameter
from .base import Command, Request, View, flag

if TYPE_CHECKING:  # only the types: --no-verify never loads torch's results
    from ..confirm.results import RnnConfirmation
    from ..views.svg import Scene


@dataclass(frozen=True)
class LstmRequest(Request):
    hidden: Given = None
    input: Given = None  # the features of x_t
    cell: Given = "lstm"
    layers: Given = 1
    bidirectional: Given = False
    proj: Given = 0
    no_bias: Given = False
    batch: Given = 1
    seq: Given = 1
    batch_first: Given = False
    nonlinearity: Given = "tanh"


class LstmCommand(Command[LstmRequest, RnnGeometry, "RnnConfirmation"]):
    name = "lstm"
    request = LstmRequest
    short_name = "the features"

    def build(self, request: LstmRequest) -> RnnGeometry:
        if request.hidden is None or request.input is None:
            missing = "hidden" if request.hidden is None else "input"
            raise InvalidParameter(missing, "nothing", f"--{missing}", "give --hidden and --input")
        spec = make_rnn_spec(
            hidden=request.hidden,
            input=request.input,
            cell=request.cell,
            layers=request.layers,
            bidirectional=flag(request.bidirectional, "bidirectional"),
            proj=request.proj,
            bias=not flag(request.no_bias, "no_bias"),
            batch=request.batch,
            seq=request.seq,
            batch_first=flag(request.batch_first, "batch_first"),
            nonlinearity=request.nonlinearity,
        )
        return rnn_geometry(spec)

    def view(self) -> View[RnnGeometry, RnnConfirmation]:
        from ..views import lstm

        return lstm

    def confirm(self, result: RnnGeometry) -> RnnConfirmation:
        from ..confirm.rnn import confirm_rnn

        return confirm_rnn(result)

    def output_shape(self, result: RnnGeometry) -> tuple[int, ...]:
        return result.output_shape

    def short(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return shape[-1:]

    def pictures(self, result: RnnGeometry, show: str) -> list[str]:
        from ..views.pictures import cell_picture

        return cell_picture(result)

    def animation(self, result: RnnGeometry, verify: bool) -> Scene:
        from ..animating import cell_animation

        return cell_animation(result)


LSTM = LstmCommand()
