"""The benchmark: what `tfscope run` costs against the same TensorFlow calls made bare.

Run from the repository root with the dev venv (the package installed): `python benchmarks/run.py`
(or `tox -e bench`). It generates synthetic cases (benchmarks/synth.py) into a temporary
directory, measures the harness and the floor (benchmarks/floor.py) side by side, then a
multi-runtime run and the pytest path, prints the table and rewrites the results section of
benchmarks/README.md. See that README for what each column means.
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO)]  # this checkout's harness, whatever else is installed

import floor  # noqa: E402
import synth  # noqa: E402
from tabulate import tabulate  # noqa: E402

from harness import cases as caselib  # noqa: E402
from harness.files import write_atomic  # noqa: E402
from harness.runtimes import resolve  # noqa: E402

README = HERE / "README.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"
MATRIX_START, MATRIX_END = "<!-- matrix:start -->", "<!-- matrix:end -->"
MATRIX = ("tf1.13", "tf1.14", "tf1.15", "tf2")  # the runtime matrix of the issue
TARGET_MATRIX = 1.3
POLL = 0.05          # seconds between RSS samples of the harness's processes
TARGET_RATIO = 1.2


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- measuring processes ------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


def _status_kib(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


@dataclass
class Measured:
    wall: float
    cpu: float          # user + system seconds of the process and every process below it
    stdout: str
    stderr: str
    code: int
    rss: dict[str, int] = field(default_factory=dict)   # process role -> peak RSS (KiB)


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Measured:
    """Run cmd; wall and CPU time, output, and the peak RSS (VmHWM) of it and of each TF worker.

    VmHWM only grows, so the last sample taken before a process exits is its peak (to within the
    few milliseconds between samples). CPU time comes from wait4, which counts the descendants
    the process waited for (the workers): it is less sensitive to a busy machine than wall time.
    """
    peaks: dict[int, tuple[str, int]] = {}
    done = threading.Event()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    output: dict[str, str] = {}

    def read(name: str, stream) -> None:
        output[name] = stream.read()

    def sample() -> None:
        while not done.is_set():
            pending, seen = [proc.pid], set()
            while pending:
                pid = pending.pop()
                if pid in seen:
                    continue
                seen.add(pid)
                hwm = _status_kib(pid, "VmHWM")
                if hwm:
                    role = peaks.get(pid, ("other", 0))[0]
                    if role == "other":  # until exec, a child still shows its parent's command
                        line = _cmdline(pid)
                        role = ("worker:" + line.split()[0]) if "worker.py" in line else (
                            "main" if pid == proc.pid else "other")
                    peaks[pid] = (role, max(hwm, peaks.get(pid, ("", 0))[1]))
                pending += _children(pid)
            done.wait(POLL)

    threads = [threading.Thread(target=read, args=("out", proc.stdout), daemon=True),
               threading.Thread(target=read, args=("err", proc.stderr), daemon=True),
               threading.Thread(target=sample, daemon=True)]
    for t in threads:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    for t in threads:
        t.join()
    rss: dict[str, int] = {}
    for role, kib in peaks.values():
        rss[role] = max(rss.get(role, 0), kib)
    return Measured(wall, usage.ru_utime + usage.ru_stime, output.get("out", ""),
                    output.get("err", ""), proc.returncode, rss)


def best(runs: list[Measured]) -> Measured:
    """The fastest of repeated runs (the machine is shared: noise only ever adds time)."""
    return min(runs, key=lambda m: m.wall)


# --- the runs -----------------------------------------------------------------------------------

def alone_and_together(bench: Bench, names: list[str], directory: Path, rounds: int, jobs: str
                       ) -> tuple[dict[str, Measured], Measured, list[tuple[float, float]]]:
    """Each runtime alone (-j 1) and all of them in one run with `-j jobs`, `rounds` times
    side by side (every other round the run of all of them first, so that a drift of the
    machine's speed within a round favours neither): the fastest of each; and per round, the
    single runs' summed CPU and the run of all of them (wall), made minutes apart at most."""
    single: dict[str, Measured] = {}
    together: list[Measured] = []
    per_round = []
    for i in range(rounds):
        cpu = 0.0
        order: list[str | None] = [*names, None]  # None: the run of all of them
        for name in order if i % 2 == 0 else order[::-1]:
            if name is None:
                say(f"cases/ on {', '.join(names)} with -j {jobs} ({i + 1}/{rounds}) ...")
                together.append(bench.tfscope(0, names, directory, extra=("-j", jobs)))
                continue
            say(f"cases/ on {name} ({i + 1}/{rounds}) ...")
            m = bench.tfscope(0, [name], directory)
            cpu += m.cpu
            if name not in single or m.wall < single[name].wall:
                single[name] = m
        per_round.append((cpu, together[-1].wall))
    return single, best(together), per_round


def verdicts(stdout: str) -> dict[str, list[int]]:
    """The summary table at the end of `tfscope run`'s output: verdict -> count per runtime."""
    lines = stdout.rstrip().splitlines()
    start = max((i for i, line in enumerate(lines) if line.startswith("verdict ")), default=None)
    if start is None:
        return {}
    out = {}
    for line in lines[start + 2:]:
        parts = line.split()
        if len(parts) >= 2 and all(p.isdigit() for p in parts[1:]):
            out[parts[0]] = [int(p) for p in parts[1:]]
    return out


def pytest_counts(stdout: str) -> dict[str, int]:
    last = stdout.rstrip().splitlines()[-1] if stdout.strip() else ""
    return {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", last)}


def show_verdicts(counts: dict[str, list[int]]) -> str:
    return ", ".join(f"{sum(v)} {k}" for k, v in counts.items()) or "none (see stderr)"


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args, self.tmp = args, tmp
        self.env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        self.env["PYTHONPATH"] = str(REPO)  # measure this checkout (the worker drops it)
        # As an installation does (pip compiles the package): else every `tfscope run` below
        # would first compile the harness's modules (about 0.1 s, before TF's import starts).
        compileall.compile_dir(str(REPO / "harness"), quiet=1)
        self.runtimes = {name: resolve(name) for name in [args.runtime, *args.others]}
        self.python = self.runtimes[args.runtime].python
        self.info: dict[str, str] = {}
        self.dirs: dict[int, Path] = {}
        self.floors: dict[int, Path] = {}
        self.loading: dict[int, float] = {}

    def prepare(self, n: int) -> None:
        directory = self.tmp / f"cases-{n}"
        synth.generate(n, directory)
        # The pytest plugin collects YAML only under [tool.tfscope] cases of the nearest pyproject.
        (directory / "pyproject.toml").write_text(
            f'[tool.tfscope]\ncases = ["."]\nruntimes = ["{self.args.runtime}"]\ntimeout = 60\n')
        started = time.perf_counter()
        cases, errors = caselib.load([directory])
        self.loading[n] = time.perf_counter() - started
        if errors or len(cases) != n:
            raise SystemExit(f"bench: generated cases are invalid: {errors[0] if errors else n}")
        script = self.tmp / f"floor-{n}.py"
        script.write_text(floor.script(cases))
        self.dirs[n], self.floors[n] = directory, script

    def tfscope(self, n: int, runtimes: list[str], directory: Path | None = None,
                extra: tuple[str, ...] = ("-j", "1")) -> Measured:
        # -j 1 unless asked: the tables above compare one worker per runtime with the floor.
        cmd = [sys.executable, "-m", "harness", "run", "-q", *extra,
               str(directory or self.dirs[n])]
        for name in runtimes:
            cmd += ["--runtime", f"{name}={self.runtimes[name].python}"]
        m = measure(cmd, directory or self.dirs[n], self.env)
        if m.code not in (0, 1) or not verdicts(m.stdout):
            raise SystemExit(f"bench: tfscope run failed (exit {m.code}): "
                             f"{m.stderr.strip()[-500:]}")
        for line in m.stdout.splitlines():
            if re.match(r"^tf[\w.]+: TensorFlow ", line):
                name, rest = line.split(": ", 1)
                self.info[name] = rest
        return m

    def run_floor(self, n: int) -> tuple[Measured, dict]:
        m = measure([self.python, str(self.floors[n])], self.tmp, self.env)
        try:
            report = json.loads(m.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise SystemExit(f"bench: the floor script failed: {m.stderr.strip()[-500:]}") from None
        return m, report

    def pytest(self, n: int, extra: tuple[str, ...] = ()) -> Measured:
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra,
               "--rootdir", str(self.dirs[n]), str(self.dirs[n])]
        return measure(cmd, self.dirs[n], self.env)


# --- the report ---------------------------------------------------------------------------------

def machine(bench: Bench) -> list[str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram = f"{mem / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        ram = "?"
    try:
        osname = re.search(r'PRETTY_NAME="([^"]+)"', Path("/etc/os-release").read_text()).group(1)
    except (OSError, AttributeError):
        osname = platform.system()
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [f"- Date: {datetime.date.today().isoformat()}",
             f"- CPU: {cpu}, {os.cpu_count()} cores; RAM {ram}",
             f"- OS: {osname} (kernel {platform.release()})",
             f"- Harness: Python {platform.python_version()}"]
    lines += [f"- {name}: {text}" for name, text in sorted(bench.info.items())]
    lines.append(f"- Load average (1/5/15 min) at the end: {load}")
    return lines


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f}" if kib else "?"


def run(args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory(prefix="tfscope-bench-") as tmpname:
        tmp = Path(args.keep or tmpname)
        tmp.mkdir(parents=True, exist_ok=True)
        bench = Bench(args, tmp)
        sizes = sorted({1, *args.sizes, args.other_n})
        for n in sizes:
            say(f"generating {n} case(s) and the floor script")
            bench.prepare(n)
        rows, memory, worker_rss, ratio_1000 = [], [], {}, None
        base: dict[str, float] = {}
        for n in sizes:
            harness_runs, floor_runs = [], []
            for _ in range(args.repeat if n <= 1000 else 1):
                say(f"N={n}: floor ...")
                floor_runs.append(bench.run_floor(n))
                say(f"N={n}: floor {floor_runs[-1][0].wall:.1f} s; tfscope run ...")
                harness_runs.append(bench.tfscope(n, [args.runtime]))
                say(f"N={n}: tfscope run {harness_runs[-1].wall:.1f} s")
            h = best(harness_runs)
            f, report = min(floor_runs, key=lambda x: x[0].wall)
            worker = max((v for k, v in h.rss.items() if k.startswith("worker:")), default=0)
            worker_rss[n] = worker
            if n == 1:
                base = {"harness": h.wall, "floor": f.wall}
            h_after, f_after = h.wall - base["harness"], f.wall - base["floor"]
            after = n > 1 and f_after > 0
            rows.append([
                f"{n:,}", f"{h.wall:.2f}", f"{f.wall:.2f}", f"{h.wall / f.wall:.2f}",
                f"{h.cpu:.2f}", f"{f.cpu:.2f}", f"{h.cpu / f.cpu:.2f}",
                f"{h_after:.2f}" if n > 1 else "(base)", f"{f_after:.2f}" if n > 1 else "(base)",
                f"{h_after / f_after:.2f}" if after else "",
                f"{(n - 1) / h_after:.0f}" if after else "",
                f"{(n - 1) / f_after:.0f}" if after else "",
                f"{bench.loading[n]:.2f}"])
            memory.append([f"{n:,}", mib(worker), mib(report.get("hwm_kib", 0)),
                           mib(h.rss.get("main", 0)), show_verdicts(verdicts(h.stdout))])
            ratio_1000 = rows[-1] if n == 1000 else ratio_1000
        timing = tabulate(rows, tablefmt="github", disable_numparse=True, headers=[
            "N", "tfscope run s", "floor s", "ratio", "tfscope CPU s", "floor CPU s",
            "CPU ratio", "tfscope after import s", "floor after import s",
            "ratio after import", "tfscope cases/s", "floor cases/s", "loading cases s"])
        memory_table = tabulate(memory, tablefmt="github", disable_numparse=True, headers=[
            "N", "worker peak RSS MiB", "floor peak RSS MiB", "tfscope process peak RSS MiB",
            "tfscope verdicts"])

        n = args.other_n
        others, single = [], {}
        for name in args.others:  # a first start reads TF from disk: not what is measured
            say(f"warming up {name} ...")
            bench.tfscope(1, [name])
        for name in [args.runtime, *args.others]:
            say(f"N={n}: tfscope run on {name} ...")
            m = bench.tfscope(n, [name])
            single[name] = m
            others.append([f"tfscope run, {name}", f"{n:,}", f"{m.wall:.2f}", f"{m.cpu:.2f}",
                           "", "",
                           show_verdicts(verdicts(m.stdout))])
        names = [args.runtime, *args.others]
        if len(names) > 1:
            say(f"N={n}: tfscope run on {', '.join(names)} together ...")
            m = bench.tfscope(n, names, extra=("-j", str(len(names))))  # a worker each
            slowest = max(names, key=lambda k: single[k].wall)
            counts = verdicts(m.stdout)
            others.append([f"tfscope run, {' + '.join(names)}", f"{n:,}", f"{m.wall:.2f}",
                           f"{m.cpu:.2f}",
                           f"slowest single ({slowest})",
                           f"{m.wall / single[slowest].wall:.2f}",
                           "; ".join(f"{rt}: " + ", ".join(f"{v[i]} {k}" for k, v in
                                                           counts.items() if v[i])
                                     for i, rt in enumerate(names))])
        say(f"N={n}: pytest ...")
        p = bench.pytest(n)
        ref = single[args.runtime]
        counts = pytest_counts(p.stdout)
        others.append([f"pytest, {args.runtime}", f"{n:,}", f"{p.wall:.2f}", f"{p.cpu:.2f}",
                       f"tfscope run, {args.runtime}", f"{p.wall / ref.wall:.2f}",
                       ", ".join(f"{v} {k}" for k, v in counts.items()) or
                       f"exit {p.code}: {p.stdout.strip()[-200:]}"])
        paths = tabulate(others, tablefmt="github", disable_numparse=True, headers=[
            "run", "N", "wall s", "CPU s", "compared to", "wall ratio", "verdicts"])

        notes = []
        big = [k for k in sorted(worker_rss) if k >= 1000]
        if len(big) >= 2 and worker_rss[big[0]]:
            lo, hi = big[0], big[-1]
            growth = (worker_rss[hi] - worker_rss[lo]) / worker_rss[lo] * 100
            notes.append(f"- Worker peak RSS from N={lo:,} to N={hi:,}: {growth:+.1f}% "
                         f"({mib(worker_rss[lo])} -> {mib(worker_rss[hi])} MiB; "
                         "target: within 10%)")
        if ratio_1000:
            notes.append(f"- Ratio tfscope/floor at N=1,000, TF import included: {ratio_1000[3]} "
                         f"(CPU: {ratio_1000[6]}; target: at most {TARGET_RATIO}); after "
                         f"import: {ratio_1000[9]}")
        text = "\n".join([*machine(bench), "", timing, "", memory_table, "", paths, "",
                          *notes])
        if args.keep:
            say(f"kept the cases and floor scripts in {tmp}")
    return text


def matrix(args: argparse.Namespace) -> str:
    """The project's own cases (cases/) on each runtime of the matrix alone, then on all of them
    in one run (one worker each, side by side): the wall time of the run against its slowest
    single runtime. Fastest of --repeat runs each (the runs are seconds long, noise is large)."""
    names = list(MATRIX)
    bench = Bench(argparse.Namespace(runtime=names[0], others=names[1:]), REPO)
    directory = REPO / "cases"
    count = len(caselib.load([directory])[0])
    for name in names:  # a first start reads TF from disk: not what is measured
        say(f"warming up {name} ...")
        bench.tfscope(0, [name], directory)
    single, best_together, _ = alone_and_together(bench, names, directory, max(1, args.repeat),
                                               str(len(names)))
    slowest = max(names, key=lambda k: single[k].wall)
    ratio = best_together.wall / single[slowest].wall
    cpu = sum(single[k].cpu for k in names)
    rows = [[f"tfscope run cases/, {name}", f"{count}", f"{single[name].wall:.2f}",
             f"{single[name].cpu:.2f}", "", ""] for name in names]
    rows.append([f"tfscope run cases/, {' + '.join(names)}", f"{count}",
                 f"{best_together.wall:.2f}", f"{best_together.cpu:.2f}",
                 f"slowest single ({slowest})", f"{ratio:.2f}"])
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [f"- Date: {datetime.date.today().isoformat()}; {os.cpu_count()} cores; fastest of "
             f"{max(1, args.repeat)} runs each; load average (1/5/15 min) at the end: {load}",
             *[f"- {name}: {text}" for name, text in sorted(bench.info.items())], "",
             tabulate(rows, tablefmt="github", disable_numparse=True, headers=[
                 "run", "cases", "wall s", "CPU s", "compared to", "wall ratio"]), "",
             f"- Four runtimes in one run: {ratio:.2f}x the slowest alone (target: at most "
             f"{TARGET_MATRIX}); their CPU alone sums to {cpu:.2f} s, so {os.cpu_count()} cores "
             f"cannot finish them in less than {cpu / (os.cpu_count() or 1):.2f} s "
             f"({cpu / (os.cpu_count() or 1) / single[slowest].wall:.2f}x)."]
    return "\n".join(lines)


PARALLEL_START, PARALLEL_END = "<!-- parallel:start -->", "<!-- parallel:end -->"
TARGETS = {"-j 2 / floor": 0.6, "four runtimes / bound": 1.1, "pytest / run -j 1": 1.15,
           "watch s": 0.5}


def watch_latency(bench: Bench, saves: int) -> tuple[list[float], float | None]:
    """Seconds from a save to the printed verdict of `tfscope watch` on a warm worker, for a
    one-case file saved `saves` times (each save changes the expected name, so each verdict
    alternates between conforms and fail and is a fresh line to wait for); and the seconds the
    watch took to end after Ctrl-C (None: it had not ended 30 s later, and was killed: a
    finding for the table, not a reason to lose the run's other numbers)."""
    import queue
    import signal
    project = bench.tmp / "watch"
    (project / "cases").mkdir(parents=True, exist_ok=True)
    (project / "pyproject.toml").write_text(
        f'[tool.tfscope]\ncases = ["cases"]\nruntimes = ["{bench.args.runtime}='
        f'{bench.python}"]\n')
    example = (REPO / "cases" / "article" / "example.yaml").read_text()
    good, bad = example, example.replace("foo_1/bar/var2:0]", "foo_2/bar/var2:0]")
    case = project / "cases" / "example.yaml"
    case.write_text(good)
    # Ctrl-C must reach the watch: a benchmark started in the background (`&` in a script)
    # hands its children SIGINT ignored, and Python then leaves it ignored (twice at 01:50 and
    # 02:10 on 2026-12-03 the watch went on after it).
    proc = subprocess.Popen([sys.executable, "-m", "harness", "watch"], cwd=project,
                            env=bench.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines: queue.Queue[tuple[float, str]] = queue.Queue()

    def read() -> None:
        for line in proc.stdout:
            lines.put((time.perf_counter(), line))
    threading.Thread(target=read, daemon=True).start()

    def until(text: str) -> float:
        while True:
            at, line = lines.get(timeout=120)
            if text in line:
                return at
    out = []
    try:
        until("tfscope: watching")
        for i in range(saves):
            time.sleep(0.35)  # saves apart, as a person makes them (and mtimes differ)
            text, expect = (bad, "FAIL article") if i % 2 == 0 else (good, "conforms article")
            saved = time.perf_counter()
            case.write_text(text)
            out.append(until(expect) - saved)
    finally:
        proc.send_signal(signal.SIGINT)
        interrupted = time.perf_counter()
        try:
            proc.wait(timeout=30)
            stopped: float | None = time.perf_counter() - interrupted
        except subprocess.TimeoutExpired:
            stopped = None
            proc.kill()
            proc.wait()
    return out, stopped


def shards_identical(bench: Bench) -> str:
    """cases/tf-tests and cases/examples on tf1.15 and tf2 in 3 shards each (6 runs), merged
    by `tfscope report --results`, against one `tfscope report` of both: same bytes?"""
    import filecmp
    import shutil
    project = bench.tmp / "shards"
    for folder in ("tf-tests", "examples"):
        shutil.copytree(REPO / "cases" / folder, project / "cases" / folder, dirs_exist_ok=True)
    pythons = ", ".join(f'"{n}={bench.runtimes[n].python}"' for n in ("tf1.15", "tf2"))
    (project / "pyproject.toml").write_text(
        f'[tool.tfscope]\ncases = ["cases"]\nruntimes = [{pythons}]\n')
    files = []
    for name in ("tf1.15", "tf2"):
        for k in (1, 2, 3):
            out = project / f"{name}-{k}.json"
            subprocess.run([sys.executable, "-m", "harness", "run", "-q", "--runtime",
                            f"{name}={bench.runtimes[name].python}", "--shard", f"{k}/3",
                            "--json", str(out)], cwd=project, env=bench.env,
                           capture_output=True, check=False)
            files.append(str(out))
    report = [sys.executable, "-m", "harness", "report", "-o", "out/report.md", "--details"]
    subprocess.run(report, cwd=project, env=bench.env, capture_output=True, check=False)
    (project / "out").rename(project / "single")
    subprocess.run([*report, "--results", *files], cwd=project, env=bench.env,
                   capture_output=True, check=False)
    single = sorted(p.relative_to(project / "single") for p in (project / "single").rglob("*"))
    merged = sorted(p.relative_to(project / "out") for p in (project / "out").rglob("*"))
    same = single == merged and all(filecmp.cmp(project / "single" / p, project / "out" / p,
                                                shallow=False)
                                    for p in single if (project / "single" / p).is_file())
    pages = sum(1 for p in single if p.suffix == ".md")
    return f"{'byte-identical' if same else 'DIFFERENT'} ({pages} pages)"


def parallel(args: argparse.Namespace) -> str:
    """Issue 17's targets side by side: -j 2 against the one-process floor; four runtimes
    sharing the cores against their summed CPU over the cores; pytest against `tfscope run -j
    1`; watch's save-to-verdict time; a sharded and merged report against a single one."""
    cores = len(os.sched_getaffinity(0))
    n = args.other_n
    names = list(MATRIX)
    with tempfile.TemporaryDirectory(prefix="tfscope-bench-") as tmpname:
        tmp = Path(args.keep or tmpname)
        tmp.mkdir(parents=True, exist_ok=True)
        bench = Bench(argparse.Namespace(runtime=args.runtime, others=[
            k for k in names if k != args.runtime]), tmp)
        say(f"generating {n} cases and the floor script")
        bench.prepare(n)
        bench.tfscope(0, [args.runtime], REPO / "cases" / "examples")  # TF from disk: not timed
        rows = []
        # --repeat K rounds, each making every run once, side by side; the fastest of each
        # is kept (noise on a shared machine only ever adds time, in bursts of minutes).
        rounds = max(1, args.repeat)
        floors, j2s, j1s, pytests = [], [], [], []
        kinds: list[tuple[str, list[Measured], Callable[[], Measured]]] = [
            ("floor", floors, lambda: bench.run_floor(n)[0]),
            ("tfscope run -j 2", j2s, lambda: bench.tfscope(n, [args.runtime], extra=("-j", "2"))),
            ("tfscope run -j 1", j1s, lambda: bench.tfscope(n, [args.runtime])),
            ("pytest", pytests, lambda: bench.pytest(n))]
        for i in range(rounds):
            # Every other round in the reverse order: a drift of the machine's speed within a
            # round then favours neither side of a ratio.
            for what, kept, make in kinds if i % 2 == 0 else kinds[::-1]:
                say(f"N={n} ({i + 1}/{rounds}): {what} ...")
                kept.append(make())
        f, j2, j1, p = best(floors), best(j2s), best(j1s), best(pytests)

        def by_round(runs: list[Measured], against: list[Measured]) -> list[float]:
            return [r.wall / a.wall for r, a in zip(runs, against)]
        j2_rounds = by_round(j2s, floors)
        rows.append([f"floor (one process), {args.runtime}", f"{n:,}", f"{f.wall:.2f}",
                     f"{f.cpu:.2f}", "", "", "", ""])
        rows.append([f"tfscope run -j 1, {args.runtime}", f"{n:,}", f"{j1.wall:.2f}",
                     f"{j1.cpu:.2f}", "floor", f"{j1.wall / f.wall:.2f}",
                     f"{median(by_round(j1s, floors)):.2f}", ""])
        rows.append([f"tfscope run -j 2, {args.runtime}", f"{n:,}", f"{j2.wall:.2f}",
                     f"{j2.cpu:.2f}", "floor", f"{j2.wall / f.wall:.2f}",
                     f"{median(j2_rounds):.2f}", TARGETS["-j 2 / floor"]])
        counts = ", ".join(f"{v} {k}" for k, v in pytest_counts(p.stdout).items())
        rows.append([f"pytest ({counts}), {args.runtime}", f"{n:,}", f"{p.wall:.2f}",
                     f"{p.cpu:.2f}", "tfscope run -j 1", f"{p.wall / j1.wall:.2f}",
                     f"{median(by_round(pytests, j1s)):.2f}", TARGETS["pytest / run -j 1"]])
        directory = REPO / "cases"
        count = len(caselib.load([directory])[0])
        single, together, per_round = alone_and_together(bench, names, directory, rounds,
                                                         str(cores))
        # Fastest against fastest: the round whose single runs took the least CPU (one set of
        # runs, like the one run of all four it is held against). Summing each runtime's own
        # fastest would pick four minima against one, and lean the ratio high.
        bound = min(cpu for cpu, _ in per_round) / cores
        four_rounds = [wall / (cpu / cores) for cpu, wall in per_round]
        for name in names:
            rows.append([f"tfscope run -j 1 cases/, {name}", f"{count}",
                         f"{single[name].wall:.2f}", f"{single[name].cpu:.2f}", "", "", "", ""])
        rows.append([f"tfscope run -j {cores} cases/, {' + '.join(names)}", f"{count}",
                     f"{together.wall:.2f}", f"{together.cpu:.2f}",
                     f"summed CPU alone / {cores} cores = {bound:.2f} s",
                     f"{together.wall / bound:.2f}",
                     f"{median(four_rounds):.2f}",
                     TARGETS["four runtimes / bound"]])
        walls = sum(m.wall for m in single.values()) / cores
        cpus = sum(m.cpu for m in single.values())
        notes = [f"- Four runtimes: {together.wall:.2f} s against the single runs' summed wall "
                 f"time over {cores} cores, {walls:.2f} s ({together.wall / walls:.2f}x: what a "
                 f"busy machine leaves), and {together.cpu:.2f} s of CPU against their "
                 f"{cpus:.2f} s ({together.cpu / cpus:.2f}x: contention and extra imports)"]
        # The machine's speed drifts over minutes: each round's runs, made back to back, show
        # how much of the fastest-against-fastest ratio is the drift.
        notes.append("- -j 2 against the floor of the same round (back to back): " + ", ".join(
            f"{r:.2f}" for r in j2_rounds))
        notes.append("- Four runtimes against the bound of the same round: " + ", ".join(
            f"{r:.2f}" for r in four_rounds))
        say("watch ...")
        latency, stopped = watch_latency(bench, args.saves)
        latency.sort()
        rows.append([f"watch, save to verdict, warm {args.runtime} (median of {len(latency)}; "
                     f"min {latency[0]:.2f}, max {latency[-1]:.2f})", "1",
                     f"{median(latency):.2f}", "", "", "", "", TARGETS["watch s"]])
        notes.append("- watch ended " + (f"{stopped:.2f} s after Ctrl-C" if stopped is not None
                                         else "NOT within 30 s of Ctrl-C: killed"))
        say("shards ...")
        rows.append(["3 shards x (tf1.15, tf2) merged vs one report, cases/tf-tests + examples",
                     "", "", "", "", shards_identical(bench), "", "identical"])
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return "\n".join([
        f"- Date: {datetime.date.today().isoformat()}; {cores} cores; fastest of "
        f"{max(1, args.repeat)} run(s) each; load average (1/5/15 "
        f"min) at the end: {load}",
        *[f"- {name}: {text}" for name, text in sorted(bench.info.items())], "",
        tabulate(rows, tablefmt="github", disable_numparse=True, headers=[
            "run", "cases", "wall s", "CPU s", "compared to", "ratio (fastest)",
            "ratio (rounds' median)", "target"]), "",
        *notes])


def write_readme(text: str, start: str = START, end: str = END, title: str = "Results") -> None:
    readme = README.read_text() if README.exists() else f"# Benchmarks\n\n{start}\n{end}\n"
    if start not in readme or end not in readme:
        readme = readme.rstrip("\n") + f"\n\n## {title}\n\n{start}\n{end}\n"
    head, rest = readme.split(start, 1)
    tail = rest.split(end, 1)[1]
    write_atomic(README, f"{head}{start}\n{text}\n{end}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000",
                        help="numbers of cases to compare with the floor (default: %(default)s)")
    parser.add_argument("--runtime", default="tf1.15", help="the reference runtime")
    parser.add_argument("--others", default=",".join(k for k in MATRIX if k != "tf1.15"),
                        help="other runtimes for the multi-runtime run, comma-separated "
                             "(provisioned on first use; empty for none; default: %(default)s)")
    parser.add_argument("--other-n", type=int, default=1000,
                        help="cases in the multi-runtime and pytest runs (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per measurement up to N=1,000; the fastest counts")
    parser.add_argument("--no-readme", action="store_true", help="only print the table")
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it")
    parser.add_argument("--parallel", action="store_true",
                        help="only the parallel paths: -j 2 against the floor, four runtimes "
                             "sharing the cores, pytest, watch, shards (a few minutes)")
    parser.add_argument("--saves", type=int, default=9,
                        help="saves timed in the watch measurement (default: %(default)s)")
    parser.add_argument("--matrix", action="store_true",
                        help="only the runtime matrix on the project's cases/ (" +
                             ", ".join(MATRIX) + " alone and together; about a minute)")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    except ValueError:
        parser.error("--sizes takes numbers separated by commas, e.g. 100,1000")
    args.others = [x.strip() for x in args.others.split(",") if x.strip() and x != args.runtime]
    try:
        import importlib.metadata as md
        md.distribution("tfscope")
    except Exception:
        parser.error("install the package first (`pip install -e .`, or use `tox -e bench`)")
    if args.parallel or not args.matrix:
        text = parallel(args)
        print(text)
        if not args.no_readme:
            write_readme(text, PARALLEL_START, PARALLEL_END, "Parallel runs, watch and shards")
        if args.parallel:
            return 0
    if not args.matrix:
        text = run(args)
        print(text)
        if not args.no_readme:
            write_readme(text)
    args.repeat = max(args.repeat, 3)
    text = matrix(args)
    print(text)
    if not args.no_readme:
        write_readme(text, MATRIX_START, MATRIX_END, "The runtime matrix on the project's cases")
        say(f"wrote the results into {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
