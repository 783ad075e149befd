"""Bad input never crashes, batch never drops a line, and cnncalc never claims a check it did not run (issue 13).

Each case found by hand has a test here; the fuzz tests at the end feed random and hostile text to every option,
chain and batch line.
"""

import json

import pytest
from conftest import Run


@pytest.mark.torch
@pytest.mark.parametrize("command", ["conv", "pool"])
def test_a_target_too_big_for_torch_is_not_claimed_confirmed(cnncalc: Run, command: str) -> None:
    code, out, err = cnncalc(command, "--w", "1e12", "--target", "5e11", "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["verified"], data["confirmed"], data["torch"]) == (None, 0, [])
    assert "past torch's int64 limit" in data["skipped"]
    code, out, _ = cnncalc(command, "--w", "1e12", "--target", "5e11")
    assert "not confirmed: the input tensor would be" in " ".join(out.split())
    assert "✓" not in out


@pytest.mark.torch
def test_a_target_torch_can_build_is_confirmed_and_says_so(cnncalc: Run) -> None:
    code, out, _ = cnncalc("conv", "--w", "7", "--target", "3", "--json")
    data = json.loads(out)
    assert (code, data["verified"], data["confirmed"], data["skipped"]) == (0, True, 10, None)
    assert len(data["torch"]) == 10
