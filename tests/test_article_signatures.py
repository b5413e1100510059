"""The two signatures the article prints -- `variable_scope.__init__` (13 parameters) and
`name_scope.__init__` (3) -- and that tf.variable_scope and tf.name_scope, "these two class
functions", are classes, checked against real TensorFlow: TF 1.13 (the article's version), 1.15
and TF 2 through tf.compat.v1.

A case cannot inspect a signature (no step does), so a test does, in the runtime's own
interpreter (claims/article.yaml names this file for the statements it checks). The expected
signatures below are the article's, quoted as it prints them; where the article is beside the
clone (../shared/seeds/article.txt) the test also checks that they are exactly what it prints.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from .conftest import ARTICLE, provision

# The article's signatures: (parameter, default as printed) in order, `self` left out.
VARIABLE_SCOPE = [
    ("name_or_scope", None), ("default_name", "None"), ("values", "None"),
    ("initializer", "None"), ("regularizer", "None"), ("caching_device", "None"),
    ("partitioner", "None"), ("custom_getter", "None"), ("reuse", "None"), ("dtype", "None"),
    ("use_resource", "None"), ("constraint", "None"), ("auxiliary_name_scope", "True"),
]
NAME_SCOPE = [("name", None), ("default_name", "None"), ("values", "None")]

# Run in the runtime's interpreter (Python 3.6+, TensorFlow only): what the two are and how
# their __init__ is declared, as JSON.
PROBE = r"""
import inspect, json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
if tf.__version__.startswith("2"):
    tf = tf.compat.v1
out = {}
for name in ("variable_scope", "name_scope"):
    obj = getattr(tf, name)
    params = list(inspect.signature(obj.__init__).parameters.values())[1:]
    out[name] = {"isclass": inspect.isclass(obj), "params": [
        [p.name, None if p.default is p.empty else repr(p.default)] for p in params]}
print(json.dumps(out))
"""


@pytest.fixture(scope="module", params=["tf1.13", "tf1.15", "tf2"])
def signatures(request) -> dict:
    runtime = provision(request.config, request.param)
    done = subprocess.run([runtime.python, "-I", "-c", PROBE], capture_output=True, text=True,
                          timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_these_two_class_functions_are_classes(signatures):
    assert signatures["variable_scope"]["isclass"] and signatures["name_scope"]["isclass"]


def test_variable_scope_init_takes_the_13_parameters_the_article_prints_in_order(signatures):
    assert [tuple(p) for p in signatures["variable_scope"]["params"]] == VARIABLE_SCOPE


def test_name_scope_init_takes_the_3_parameters_the_article_prints_in_order(signatures):
    assert [tuple(p) for p in signatures["name_scope"]["params"]] == NAME_SCOPE


def printed_signatures(text: str) -> list[list[tuple[str, str | None]]]:
    """Every `def __init__(self, ...)` the article prints, as (parameter, default) lists; its
    comments (`#...`) are left out."""
    found = []
    for block in re.findall(r"def __init__\(self,(.*?)\):", text, re.S):
        params = []
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip().rstrip(",")
            if line:
                name, _, default = line.partition("=")
                params.append((name.strip(), default.strip() or None))
        found.append(params)
    return found


def test_the_expected_signatures_are_the_ones_the_article_prints():
    if not ARTICLE.is_file():
        pytest.skip(f"the article is not at {ARTICLE}: the quoted signatures are not compared")
    assert printed_signatures(ARTICLE.read_text(encoding="utf-8")) == [VARIABLE_SCOPE, NAME_SCOPE]


def test_the_parser_reads_a_signature_with_comments():
    text = "  def __init__(self,\n   a,   #x, y\n   b=None,  #z\n   c=True): #w\n"
    assert printed_signatures(text) == [[("a", None), ("b", "None"), ("c", "True")]]
