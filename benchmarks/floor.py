"""The floor: one plain Python script making the same TensorFlow calls as the cases, no harness.

The script has one function per case, its program rendered by `harness/render.py` (the renderer
of `tfscope export`; from the step table's `Step.render` directly where that module is missing).
It runs every function in a fresh `tf.Graph()` in one process, catches the exception an
erroring program raises (as the harness must), and, for cases that ask for values, runs the
initializers and fetches them in a session, like the worker. It prints one JSON line: the time
TensorFlow's import took, the time of the cases, and its own peak RSS (VmHWM).
"""

from __future__ import annotations

from harness import steps as vocabulary
from harness.cases import Case

try:  # the renderer of `tfscope export`, when this checkout has it
    from harness.render import program_lines
except ImportError:
    program_lines = None

PRELUDE = '''\
import json, os, sys, time
started = time.time()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import warnings
warnings.filterwarnings("ignore")
import tensorflow as tf
if tf.__version__.split(".")[0] != "1":
    tf = tf.compat.v1
    tf.disable_v2_behavior()
tf.logging.set_verbosity(tf.logging.ERROR)
imported = time.time()


def values(fetches):
    with tf.Session() as sess:
        sess.run(tf.variables_initializer(tf.global_variables() + tf.local_variables()))
        return sess.run(fetches)

'''

MAIN = '''

for case in CASES:
    with tf.Graph().as_default():
        try:
            case()
        except Exception:
            pass
finished = time.time()
hwm = 0
with open("/proc/self/status") as status:
    for line in status:
        if line.startswith("VmHWM:"):
            hwm = int(line.split()[1])
print(json.dumps({"import_s": imported - started, "cases_s": finished - imported,
                  "hwm_kib": hwm, "cases": len(CASES)}))
'''


def render_steps(program: list[dict], indent: str) -> list[str]:
    lines: list[str] = []
    for step in program:
        spec = vocabulary.STEPS[step["kind"]]
        label = step.get("as")
        call = spec.render(step.get("args", {}))
        if spec.kind == "repeat":
            head = f"for _ in {call}:"
        elif spec.body:
            head = f"with {call}" + (f" as {label}:" if label else ":")
        else:
            lines.append(indent + (f"{label} = {call}" if label else call))
            continue
        lines.append(indent + head)
        lines += render_steps(step.get("do", []), indent + "    ") or [indent + "    pass"]
    return lines


def render_case(name: str, case: Case) -> str:
    if program_lines is not None:
        body = ["    " + line for line, _ in program_lines(case.program)]
    else:
        body = render_steps(case.program, "    ")
    wanted = case.value_labels()
    if wanted:
        body.append(f"    values([{', '.join(wanted)}])")
    return f"def {name}():  # {case.id}\n" + "\n".join(body or ["    pass"]) + "\n"


def script(cases: list[Case]) -> str:
    functions = [render_case(f"case_{i}", case) for i, case in enumerate(cases)]
    table = "CASES = [" + ", ".join(f"case_{i}" for i in range(len(cases))) + "]"
    return PRELUDE + "\n\n".join(functions) + "\n\n" + table + MAIN
