"""The worker: runs case programs inside a real TensorFlow interpreter.

Started once per runtime as `python worker.py`, on Python 3.6+ with only the standard library,
TensorFlow and `steps.py` (beside this file). Protocol: one JSON object per line. The worker first
writes {"hello": {...}}; then for each request line {"op": "run", ...} it writes one result line;
{"op": "quit"} or end of input stops it. The protocol goes out on a private copy of stdout: fd 1
itself is pointed at stderr, so whatever TensorFlow or C++ code prints cannot corrupt it.

The worker never outlives its run, whatever ends the harness (SIGKILL, SIGTERM, a stuck or
stopped parent): a reader thread exits the process when its input closes (the harness holds the
only write end, so its death closes it), the parent's death also raises a signal (Linux's
PR_SET_PDEATHSIG) and is polled for (getppid), and a case that runs past the time limit its
request carries is ended by the worker itself. Its address space is capped by
$TFSCOPE_WORKER_MEMORY (bytes, RLIMIT_AS): running out of it is reported as {"memory": ...}.
"""

import contextlib
import gc
import json
import os
import platform
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import facts as factlib  # noqa: E402
import generic  # noqa: E402
import policy  # noqa: E402
import steps as vocabulary  # noqa: E402

PROTOCOL = 1
# A case's own limit is the harness's; the worker ends a case only this much later, so that the
# harness (which starts its clock when it awaits the reply) normally gives the verdict itself.
GRACE = 5.0
EXIT_ORPHANED, EXIT_TIMEOUT, EXIT_MEMORY = 70, 71, 72


def limit_memory():
    """Cap the address space (RLIMIT_AS) at $TFSCOPE_WORKER_MEMORY bytes, if given."""
    wanted = int(os.environ.get("TFSCOPE_WORKER_MEMORY") or 0)
    if wanted <= 0:
        return
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


class Lifeline(object):
    """Ends the process when the harness is gone or a case overstays its time limit."""

    def __init__(self, send):
        self.send = send
        self.parent = os.getppid()
        self.case = None  # (request id, deadline, limit) of the case running now
        self.lock = threading.Lock()

    def start(self):
        self._deathsignal()
        thread = threading.Thread(target=self._watch, name="lifeline")
        thread.daemon = True
        thread.start()

    def _deathsignal(self):
        # Linux: a signal when the parent dies. The parent is the *thread* that started us, which
        # may end while its process lives on: so the handler checks that the process is gone.
        if not sys.platform.startswith("linux"):
            return
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            signal.signal(signal.SIGUSR1, lambda *_: self._check_parent())
            libc.prctl(1, int(signal.SIGUSR1), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError, ValueError):
            pass  # the polling below still notices
        self._check_parent()  # it may have died before prctl

    def _check_parent(self):
        if os.getppid() != self.parent:
            os._exit(EXIT_ORPHANED)

    def _watch(self):
        while True:
            time.sleep(0.2)
            self._check_parent()
            with self.lock:
                case = self.case
            if case is not None and time.time() > case[1]:
                try:
                    self.send({"id": case[0], "timeout": case[2]})
                finally:
                    os._exit(EXIT_TIMEOUT)

    def running(self, request):
        limit = request.get("timeout")
        with self.lock:
            self.case = None if limit is None else (
                request.get("id"), time.time() + float(limit) + GRACE, limit)

    def idle(self):
        with self.lock:
            self.case = None


def read_requests(requests):
    """The reader thread: request lines into `requests`; the end of input ends the process (the
    harness is gone, or closed the pipe: nobody would read a reply)."""
    while True:
        try:
            line = sys.stdin.readline()
        except Exception:  # an unreadable input is no input: never wait for it forever
            line = ""
        if not line:
            sys.stderr.flush()
            os._exit(EXIT_ORPHANED)
        if line.strip():
            requests.put(line)


def import_tf(graph_mode=True):
    """(the TF1 API, TF's version): tensorflow on 1.x, tensorflow.compat.v1 on 2.x, with v2
    behaviour disabled when `graph_mode` (apiscan.py only reads the API: it leaves it on)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import warnings
    warnings.filterwarnings("ignore")
    import tensorflow as tf
    version = tf.__version__
    if version.split(".")[0] != "1":
        tf = tf.compat.v1
        if graph_mode:
            tf.disable_v2_behavior()
    try:
        tf.logging.set_verbosity(tf.logging.ERROR)
    except AttributeError:
        pass
    return tf, version


class Refs(dict):
    """label -> captured object; `capture(label, obj)` captures what an argument makes (a custom
    getter's recorder) as the running step's."""
    capture = None


class Run(object):
    """One case's program in one fresh graph."""

    def __init__(self, tf, request):
        self.tf = tf
        self.refs = Refs()  # label -> last captured object (what {ref: LABEL} means)
        self.refs.capture = self.capture_declared
        self.captured = {}  # label -> object, or list of objects for captures inside repeat
        self.kinds = {}     # label -> what it captured (variable, tensor, scope, name_scope)
        self.facts = {}
        self.test_steps = bool(request.get("test_steps"))
        self.step = None
        self.qualname = "program.<locals>."  # where a `def` is, as in the exported script
        self.entered = []  # what `enter` steps entered and no `exit` step left (leave())

    def capture_declared(self, label, obj):
        """An object an argument of the running step captures under `label` (its kind is the
        one the validator registered: FACTS has it for the object's class)."""
        kind = {"GetterRecord": "getter"}[type(obj).__name__]
        self.capture(dict(self.step or {}, **{"as": label}), kind, obj)

    def capture(self, step, kind, obj):
        label = step.get("as")
        if not label or kind is None:
            return
        self.refs[label] = obj
        self.kinds[label] = kind
        # The facts of LATE_KINDS are taken when the program ends.
        for name, value in factlib.capture_facts(self.tf, kind, obj).items():
            key = label + "." + name
            if step.get("multi"):
                self.facts.setdefault(key, []).append(value)
            else:
                self.facts[key] = value
        if step.get("multi"):
            self.captured.setdefault(label, factlib.Many()).append(obj)
        else:
            self.captured[label] = obj

    def run_steps(self, program):
        for step in program:
            self.run_step(step)

    def run_step(self, step):
        if "catch" not in step:
            return self.run_one(step)
        # `catch: L`: an exception of the step (or its body) is L's; the program goes on.
        try:
            self.run_one(step)
        except Exception as e:
            caught = e
        else:
            caught = None
        self.capture({"as": step["catch"], "multi": step.get("catch_multi")}, "caught", caught)

    def run_one(self, step):
        spec = vocabulary.STEPS[step["kind"]]
        if getattr(spec, "generic", False):
            self.step = step
            return self.run_generic(step)
        if spec.test_only and not self.test_steps:
            raise RuntimeError("test-only step %r is not enabled" % spec.kind)
        self.step = step
        kw = vocabulary.convert_args(self.tf, spec, step.get("args", {}), self.refs)
        if spec.kind == "repeat":
            for _ in range(kw["count"]):
                self.run_steps(step.get("do", []))
            return
        if spec.kind == "template":  # the body is the template's function
            kw["func"] = self.template_function(step)
            self.capture(step, spec.captures, spec.run(self.tf, kw))
            return
        result = spec.run(self.tf, kw)
        if not spec.body:
            self.capture(step, spec.captures, result)
            return
        with result as entered:
            self.capture(step, spec.captures, entered)
            self.run_steps(step.get("do", []))
        self.step = step

    def run_generic(self, step):
        """A step of the generic language (generic.py evaluates its values)."""
        tf, kind, args = self.tf, step["kind"], step.get("args", {})
        if kind == "for":
            return self.run_for(step)
        if kind == "if":
            return self.run_if(step)
        if kind == "try":  # run_step catches what its body raises
            return self.run_steps(step.get("do", []))
        value = None
        if kind == "invoke":
            value = generic.invoke(tf, args["fn"], args.get("args"), args.get("kwargs"),
                                   self.refs)
        elif kind in ("let", "with", "enter", "exit"):
            value = generic.evaluate(tf, args["value"], self.refs)
        if kind in ("with",) or (kind == "invoke" and "do" in step):
            with value as entered:
                self.capture(step, step.get("captures", "generic"), entered)
                self.run_steps(step.get("do", []))
            self.step = step
            return
        if kind == "enter":
            manager, value = value, value.__enter__()
            self.entered.append(manager)
        elif kind == "exit":
            value.__exit__(None, None, None)
            self.entered = [m for m in self.entered if m is not value]
            return
        elif kind == "set":
            label, path = generic.parse_path(args["target"])
            owner = generic.walk(self.refs, label, path[:-1])
            generic.check_settable(owner, args["target"])
            new = generic.evaluate(tf, args["value"], self.refs)
            what, key = path[-1]
            if what == "attr":
                generic.check_attribute(owner, key)
                setattr(owner, key, new)
            else:
                owner[key] = new
            return
        elif kind == "return":
            raise generic.Return(generic.evaluate(tf, args.get("value"), self.refs))
        elif kind == "def":
            value = self.function(step, self.qualname + args["name"])
        elif kind == "class":
            bases = [generic.evaluate(tf, b, self.refs) for b in args.get("bases", [])]
            qualname = self.qualname + args["name"]
            made = []  # the class, once made: its methods' `{super: NAME}` needs it
            methods = dict((d["args"]["name"],
                            self.function(d, "%s.%s" % (qualname, d["args"]["name"]), made))
                           for d in step.get("do", []))
            value = generic.make_class(args["name"], bases, methods, qualname, [
                d["args"]["name"] for d in step.get("do", []) if d["args"].get("property")])
            made.append(value)
        elif kind == "snapshot":
            value = factlib.Snapshot(tf)
            self.capture(step, "snapshot", value)
            return
        if "unpack" in step:  # `a, b = VALUE`: each label its item, as Python unpacks
            bound = []
            generic.unpack(step["unpack"], value, lambda label, obj: bound.append((label, obj)))
            many = step.get("unpack_multi") or []
            for label, obj in bound:
                self.capture({"as": label, "multi": label in many, "path": step.get("path")},
                             "generic", obj)
            return
        self.capture(step, step.get("captures", "generic"), value)

    def run_for(self, step):
        """`for TARGET in VALUE:` the body per item, the target's labels bound and captured
        (one value per iteration) first; what the iteration itself raises is the for step's."""
        iterator = iter(generic.evaluate(self.tf, step["args"]["in"], self.refs))
        target = step.get("target")
        bound = []  # an iteration's labels, captured once the whole target is bound (the export)
        while True:
            self.step = step
            try:
                item = next(iterator)
            except StopIteration:
                break
            if target is not None:
                del bound[:]
                generic.unpack(target, item, lambda label, obj: bound.append((label, obj)))
                for label, obj in bound:
                    self.capture({"as": label, "multi": True, "path": step.get("path")},
                                 "generic", obj)
            self.run_steps(step.get("do", []))
        self.step = step

    def run_if(self, step):
        """`if` / `elif` / `else`: the first branch whose test is true (tests are the step's)."""
        branches = [(step["args"]["test"], step.get("do", []))]
        branches += [(b["test"], b.get("do", [])) for b in step.get("elif") or []]
        for test, body in branches:
            self.step = step
            if generic.evaluate(self.tf, test, self.refs):
                self.run_steps(body)
                return
        self.run_steps(step.get("else") or [])

    def function(self, step, qualname, owner=None):
        """A `def` step as a Python function: each call runs its body with the parameters bound
        as labels; what follows the call belongs to the calling step again. Its __qualname__ is
        the exported script's (`program.<locals>.loss`), which TF's messages print. A method
        (`owner`: [its class] once made) binds (class, self) for `{super: NAME}`."""
        body = step.get("do", [])
        params = step["args"].get("params", [])

        def run_body():
            calling, outer = self.step, self.qualname
            if owner and params and not params[0].get("star"):
                self.refs[generic.SUPER] = (owner[0], self.refs[params[0]["name"]])
            self.qualname = qualname + ".<locals>."
            try:
                self.run_steps(body)
            except generic.Return:
                self.step = calling
                raise
            finally:
                self.qualname = outer  # an error keeps self.step: the step that raised
            self.step = calling
        return generic.make_function(self.tf, step["args"]["name"],
                                     step["args"].get("params", []), self.refs, run_body,
                                     qualname)

    def template_function(self, template):
        """The body of a `template` step as a function: runs its steps each time it is called and
        returns the last tensor its body captures (steps.template_result), like the export."""
        body = template.get("do", [])
        result = vocabulary.template_result(body)

        def fn():
            calling = self.step
            self.run_steps(body)
            self.step = calling  # what follows the body belongs to the calling step again
            return self.refs.get(result) if result else None
        return fn

    def leave(self):
        """Exit what the case entered and never exited, innermost first: a context manager
        that changes process-wide state (Keras' custom_object_scope) would otherwise change it
        for every later case in this worker. What exiting raises is no part of the case."""
        while self.entered:
            try:
                self.entered.pop().__exit__(None, None, None)
            except Exception:
                pass

    def values(self, labels, max_value=None, claims=None):
        return factlib.values(self.tf, self.captured, self.kinds, labels, max_value, claims)


def describe_error(exc, step):
    return {
        "type": type(exc).__name__,
        "bases": factlib.error_bases(exc),
        "message": factlib.error_message(exc),
        "step": step.get("path") if step else None,
        "label": step.get("as") if step else None,
        "line": step.get("line") if step else None,
    }


def fresh_keras():
    """Keras 3 (TF 2.16+) numbers layer names per process, not per graph as TF 1.x's Keras does:
    each case starts from the state a new process has, whatever cases ran before it in this
    worker (else a case's names would depend on the order and on -j)."""
    state = sys.modules.get("keras.src.backend.common.global_state")
    if state is not None and hasattr(state, "GLOBAL_STATE_TRACKER"):
        state.GLOBAL_STATE_TRACKER = threading.local()


def fresh_arg_scope():
    """tf.contrib.framework's arg_scope keeps its stack in a module global whose bottom is a
    dict that current_arg_scope() hands out: a case that updated it gave every later case of
    the worker its defaults (red team). Each case starts from the stack of a new process.
    The modules are looked for again only when sys.modules has changed size: a walk over its
    thousands of names for every case was 2% of a small case's time."""
    if len(sys.modules) != _ARG_SCOPES[0]:
        _ARG_SCOPES[:] = [len(sys.modules), [
            name for name in list(sys.modules)
            if name.endswith("contrib.framework.python.ops.arg_scope")]]
    for name in _ARG_SCOPES[1]:
        module = sys.modules.get(name)
        if isinstance(getattr(module, "_ARGSTACK", None), list):
            module._ARGSTACK[:] = [{}]


_ARG_SCOPES = [0, []]  # [len(sys.modules) when last looked, names of arg_scope modules]


def fresh_defaults():
    """A tf.InteractiveSession makes itself the default session, and its graph the default
    graph, with no `with` that ends: a later case of the worker then evaluated with it (and
    failed, its tensor's graph not the session's). Each case starts with the default stacks of
    a new process."""
    for module in ("ops", "stack"):  # TF 2 keeps the session's in framework/stack.py
        module = sys.modules.get("tensorflow.python.framework." + module) or \
            sys.modules.get("tensorflow_core.python.framework." + module)
        for stack in ("_default_session_stack", "_default_graph_stack"):
            if hasattr(getattr(module, stack, None), "reset"):
                getattr(module, stack).reset()


def run_case(tf, request):
    started = time.time()
    threads = set(threading.enumerate())
    try:
        return _run_case(tf, request, started)
    finally:
        end_threads(threads)


def end_threads(before):
    """Close the sessions the case left open, then give the threads it started (queue runners
    on those sessions, now cancelled) a moment to end, so none runs into the next case."""
    if not policy.close_sessions():
        return
    deadline = time.time() + THREADS_GRACE
    for thread in set(threading.enumerate()) - before:
        thread.join(max(0.0, deadline - time.time()))


THREADS_GRACE = 2.0  # seconds, all threads together: a cancelled queue runner ends at once


def _run_case(tf, request, started):
    del generic.REFUSED[:], policy.REFUSALS[:]
    fresh_keras()
    fresh_arg_scope()
    fresh_defaults()
    graph = tf.Graph()
    with graph.as_default():
        run = Run(tf, request)
        error = None
        try:
            generic.import_modules(request.get("imports") or {}, run.refs)
            run.run_steps(request["program"])
        except Exception as e:
            if is_out_of_memory(e):
                raise OutOfMemory("%s: %s" % (type(e).__name__,
                                              factlib.error_message(e))) from None
            error = describe_error(e, run.step)
        refused = generic.REFUSED + policy.REFUSALS  # of the program (not of the facts below)
        facts = dict(run.facts)
        facts.update(factlib.late_facts(tf, run.captured, run.kinds))
        # LABEL.PATH facts the case asks for, except curated facts of the object's kind.
        paths = [k for k in request.get("paths", []) if k not in facts]
        facts.update(factlib.path_facts(tf, run.captured, paths, generic.path_step))
        facts.update(factlib.graph_facts(tf))
        facts.update(run.values(request.get("values", []), request.get("max_value"),
                                request.get("claims")))
        run.leave()
    reply = {"id": request.get("id"), "facts": facts, "error": error,
             "seconds": round(time.time() - started, 6)}
    if refused:  # even those the case caught: see generic.REFUSED
        reply["refused"] = [text[:300] for text in refused[:5]]
    return reply


def channel(proto):
    """(send, lifeline, requests) of a worker whose protocol goes out on `proto`."""
    sending = threading.Lock()

    def send(obj):
        # Whatever a fact holds, the reply is sent: an object JSON cannot hold is named by its
        # class (a crash here would cost the worker and tell nothing).
        text = json.dumps(obj, sort_keys=True,
                          default=lambda o: "<%s>" % type(o).__name__) + "\n"
        with sending:  # the lifeline may speak too
            proto.write(text)
            proto.flush()

    lifeline = Lifeline(send)
    lifeline.start()
    import queue
    requests = queue.Queue()
    reader = threading.Thread(target=read_requests, args=(requests,), name="reader")
    reader.daemon = True
    reader.start()
    return send, lifeline, requests


def main():
    # Keep a private copy of stdout for the protocol, then send fd 1 (and sys.stdout) to stderr.
    proto = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    zygote = sys.argv[1:] == ["--zygote"]
    if zygote:  # stdin is the control socket, read by serve_forks, not by a reader thread
        send, lifeline = channel_of_zygote(proto)
    else:
        send, lifeline, requests = channel(proto)  # before TF's import, which may take long
    limit_memory()
    try:
        tf, version = import_tf()
    except Exception as e:
        send({"fatal": "cannot import tensorflow: %s: %s" % (type(e).__name__, e)})
        return 3
    # Every session of this process checks what it would run (the policy's op types, a
    # PrintV2 writing to a file, functions' bodies, debug options, a server target) before it
    # runs it: graphs a case builds or imports cannot reach files or sockets by any path.
    policy.guard_sessions(tf)
    # TensorFlow's modules are hundreds of thousands of objects that are never garbage: freeze
    # them out of the collector's walks (3.7+; about 10% of a case's time on TF 1.15, and
    # forked workers share them untouched). A larger young generation did not pay.
    if hasattr(gc, "freeze"):
        gc.freeze()
    hello = {
        "protocol": PROTOCOL, "tensorflow": version, "python": platform.python_version(),
        "platform": platform.platform(), "executable": sys.executable,
        "test_steps": bool(os.environ.get("TFSCOPE_TEST_STEPS")),
    }
    send({"hello": hello})
    if zygote:
        proto = serve_forks(send)  # returns in a forked worker only
        send, lifeline, requests = channel(proto)
        send({"hello": hello})
    settled = False
    # A case's objects live until it ends, then are garbage together (a graph and its ops are
    # cycles). With the collector's default young generation (700) they were collected again
    # and again while alive and promoted, then walked by full collections over later cases;
    # a larger one (cycles of a loop's garbage are still collected within a case) and a
    # collection of the young generation after each reply cost about 4% less of a small case.
    gc.set_threshold(YOUNG_GENERATION, *gc.get_threshold()[1:])
    while True:
        request = json.loads(requests.get())
        if request.get("op") == "quit":
            break
        if request.get("test_steps") and not os.environ.get("TFSCOPE_TEST_STEPS"):
            request["test_steps"] = False
        lifeline.running(request)
        try:
            reply = run_case(tf, request)
        except OutOfMemory as e:
            out_of_memory(send, request, str(e))
        except Exception as e:  # a bug in the worker itself: report it, keep serving
            if is_out_of_memory(e):  # while fetching values
                out_of_memory(send, request, "%s: %s" % (type(e).__name__,
                                                         factlib.error_message(e)))
            reply = {"id": request.get("id"), "internal": "%s: %s" % (type(e).__name__, e)}
        lifeline.idle()
        try:
            send(reply)
        except MemoryError:
            out_of_memory(send, request, "MemoryError while sending the result")
        if not settled:
            settled = True
            settle()
        else:
            gc.collect(0)
    return 0


YOUNG_GENERATION = 5000  # objects; see main() and docs/reliability.md


def settle():
    """After the first case: what TensorFlow builds on first use (op wrappers, registries,
    caches) lives as long as the process, so it is frozen too, after a collection (nothing of
    the case is kept). The collector's full passes then skip it: about 1% of every later case
    on TF 1.15 (the first freeze, after the import, leaves some 40,000 such objects)."""
    if hasattr(gc, "freeze"):
        gc.collect()
        gc.freeze()


# --- the zygote: `worker.py --zygote` imports TF once and forks workers from it ----------------
# Its stdin is a Unix socket: each message "fork" carries three descriptors (the new worker's
# stdin, protocol and stderr, made by the harness). The child becomes a worker on them with TF
# already imported (milliseconds, not TF's import); the zygote replies {"forked": pid} and later
# {"exit": pid, "code": status} (negative: a signal). It runs no case itself. It lives until its
# control socket closes and its workers are gone, and dies with the harness (the lifeline);
# its workers die with it (theirs).

def channel_of_zygote(proto):
    sending = threading.Lock()

    def send(obj):
        with sending:
            proto.write(json.dumps(obj, sort_keys=True) + "\n")
            proto.flush()

    lifeline = Lifeline(send)
    lifeline.start()
    return send, lifeline


def serve_forks(send):
    import array
    import select
    import socket
    control = socket.fromfd(0, socket.AF_UNIX, socket.SOCK_STREAM)  # 3.6: no fileno= detection
    # A worker's end wakes the loop at once (SIGCHLD through the wakeup pipe): the harness waits
    # for it when a run ends, and a polling interval would add to every run.
    wake, woken = os.pipe()
    for fd in (wake, woken):
        os.set_blocking(fd, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(woken)
    children = set()
    closed = False
    while not closed or children:
        ready = select.select([wake] if closed else [control, wake], [], [], 1.0)[0]
        if wake in ready:
            ready.remove(wake)
            with contextlib.suppress(OSError):
                os.read(wake, 512)
        while children:  # reap, and tell the harness how each worker ended
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if not pid:
                break
            children.discard(pid)
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            send({"exit": pid, "code": code})
        if not ready:
            continue
        message, ancillary, _, _ = control.recvmsg(64, socket.CMSG_SPACE(3 * 4))
        fds = array.array("i")
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
        if not message:
            closed = True  # the harness is done with us: wait for the workers, then leave
            continue
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            send({"refused": "a fork request needs 3 descriptors, got %d" % len(fds)})
            continue
        pid = os.fork()
        if pid == 0:  # the new worker: its own session (the harness kills it by group)
            control.close()
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.close(wake)
            os.close(woken)
            os.setsid()
            os.dup2(fds[0], 0)
            os.dup2(fds[2], 2)
            os.dup2(2, 1)
            for fd in (fds[0], fds[2]):
                if fd > 2:
                    os.close(fd)
            return os.fdopen(fds[1], "w")
        for fd in fds:
            os.close(fd)
        children.add(pid)
        send({"forked": pid})
    sys.stderr.flush()
    os._exit(0)


class OutOfMemory(Exception):
    """The case ran out of the worker's memory (its address-space limit)."""


def is_out_of_memory(exc):
    if isinstance(exc, MemoryError):
        return True
    # TF's allocators report a failed allocation as ResourceExhaustedError("OOM when ...").
    return type(exc).__name__ == "ResourceExhaustedError" and "OOM" in str(exc)


def out_of_memory(send, request, what):
    """Report and end: after a failed allocation nothing in this process is to be trusted."""
    try:
        send({"id": request.get("id"), "memory": (what.strip().splitlines() or [""])[0][:300]})
    finally:
        sys.stderr.flush()
        os._exit(EXIT_MEMORY)


if __name__ == "__main__":
    code = main()
    # Every message is flushed already: skip the interpreter's teardown, which for TensorFlow's
    # modules takes a few tenths of a second that every run would wait for.
    sys.stderr.flush()
    os._exit(code)
