"""The one-line YAML the harness writes into case files (traced programs, `observed:`) reads
back as the same value."""

import math

import pytest
import yaml

from harness.yamltext import inline


@pytest.mark.parametrize("value", [
    1e-05, -1e-07, 1e20, 1.5e300, 0.5, 2.0, float("inf"), float("-inf"),
    [1e-05, {"epsilon": 2e-08}], 3, True, None, "foo/var1:0", "1e-05",
])
def test_values_read_back_equal(value):
    # YAML 1.1 (yaml.safe_load) reads `1e-05`, with no dot, as a string: a traced epsilon of a
    # batch norm once came back as "1e-05" and the traced case failed where the script did not.
    assert yaml.safe_load(inline(value)) == value
    assert type(yaml.safe_load(inline(value))) is type(value)


def test_nan_is_written_as_a_number():
    assert math.isnan(yaml.safe_load(inline(float("nan"))))
