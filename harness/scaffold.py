"""`tfscope new ID`: a new case file with every required field, the schema comment for editors,
a program (an example, or converted from TF1 Python) and commented examples of the rest."""

from __future__ import annotations

import os
from pathlib import Path

from . import cases as caselib
from . import steps as vocabulary
from .config import Config
from .errors import UserError
from .frompython import convert_claims
from .schema import PATH as SCHEMA_PATH
from .yamltext import inline

EXAMPLE_PROGRAM = [
    {"variable_scope": {"name_or_scope": "foo", "as": "scope"},
     "do": [{"get_variable": {"name": "v", "shape": [1], "as": "v"}}]},
]

TEMPLATE = """\
# yaml-language-server: $schema={schema}
id: {id}
title: "TODO: one line: what TensorFlow does, as the source says it"
source:
  doc: TODO           # the document: article, tf-docstring, tf-tests, ...
  quote: "TODO: the exact words this case checks"
  # where: "the section or function the quote is in"
  # reading: "the reading tested, when the words can mean more than one thing"
  # url: https://...
tags: [TODO]
program:              # {program_note}
{program}
# What the SOURCE says TF gives (never copied from TF's output), as LABEL.FACT: VALUE, e.g.
#   v.name: foo/v:0
#   error: {{type: ValueError, message: "already exists"}}
# Empty, the case makes no claim yet: `tfscope record FILE` shows what TF does.
expect: {{}}
# Only when TF disagrees with the source: `expect` stays, and TF's values go here, e.g.
# deviations:
#   - observed: {{v.name: foo_1/v:0}}
#     reason: One sentence on what TensorFlow really does.
"""


def with_imports(text: str, imports: dict[str, str]) -> str:
    """A case text from TEMPLATE with an `imports:` block (the internal modules its code
    imports) before its program, when there are any."""
    if not imports:
        return text
    block = "".join(f"  {alias}: {module}\n" for alias, module in imports.items())
    return text.replace("\nprogram:", "\nimports:              # the internal modules the code "
                        "imports\n" + block + "program:", 1)


def with_claims(text: str, expect: dict, asserts: list[str]) -> str:
    """A case text from TEMPLATE whose `expect` says what the code's own asserts claim, and
    whose quote is those asserts (the source's words: the code is the source)."""
    if not expect:
        return text
    block = "".join(f"  {inline(fact)}: {inline(value)}\n" for fact, value in expect.items())
    text = text.replace("\nexpect: {}\n", "\nexpect:              # from the code's asserts\n"
                        + block, 1)
    quote = "; ".join(" ".join(a.split()) for a in asserts)
    return text.replace('  quote: "TODO: the exact words this case checks"',
                        f"  quote: {inline(quote)}", 1)


def step_lines(program: list[dict], indent: str = "  ") -> list[str]:
    """A program as block YAML: one flow mapping of arguments per step, `do:` bodies nested."""
    lines: list[str] = []
    for item in program:
        (kind, args), = [(k, v) for k, v in item.items()
                         if k not in ("do",) + vocabulary.BRANCH_KEYS]
        spec = vocabulary.STEPS.get(kind)  # None: a generic `tf.PATH:` / `LABEL.PATH:` step
        first = spec.args[0][0] if spec and spec.args else None
        if isinstance(args, dict) and list(args) == [first] and \
                not isinstance(args[first], (dict, type(None))):
            args = args[first]  # the shorthand: `name_scope: bar`
        lines.append(f"{indent}- {kind}: {inline(args)}")
        if kind == "if":  # the test is the value itself
            lines[-1] = f"{indent}- if: {inline(item['if'])}"
        if "do" in item:
            body = step_lines(item["do"], indent + "    ")
            lines += [f"{indent}  do:"] + body if body else [f"{indent}  do: []"]
        if item.get("elif"):
            lines.append(f"{indent}  elif:")
            for branch in item["elif"]:
                lines.append(f"{indent}    - if: {inline(branch['if'])}")
                body = step_lines(branch.get("do") or [], indent + "        ")
                lines += [f"{indent}      do:"] + body if body else [f"{indent}      do: []"]
        if "else" in item:
            body = step_lines(item["else"], indent + "    ")
            lines += [f"{indent}  else:"] + body if body else [f"{indent}  else: []"]
    return lines


def target(case_id: str, config: Config, directory: str | None) -> Path:
    folder, _, rest = case_id.partition(".")
    name = (rest or folder) + ".yaml"
    if directory:
        return Path(directory) / name
    return config.root / "cases" / (folder if rest else "") / name


def new_path(case_id: str, config: Config, directory: str | None = None,
             force: bool = False) -> Path:
    """Where a new case goes: refused when the id is bad or taken, or the file exists."""
    folder, _, rest = case_id.partition(".")
    if not caselib.ID_RE.fullmatch(case_id) or not caselib.ID_RE.fullmatch(rest or folder):
        # `a..` would be the hidden file cases/a/..yaml, which no folder's listing shows
        raise UserError(f"bad case id `{case_id}`", hint="lower-case letters, digits, '.', '_' "
                        "and '-', the part after the first '.' starting with a letter or digit, "
                        "e.g. examples.name-scope-reenters")
    path = target(case_id, config, directory)
    if path.exists() and not force:
        raise UserError("file exists", caselib.display_path(path),
                        hint="give --force to overwrite it, or another id or --dir")
    existing, _ = caselib.load([config.root / c for c in config.cases
                                if (config.root / c).exists()])
    for case in existing:
        if case.id == case_id and Path(case.path).resolve() != path.resolve():
            raise UserError(f"case id `{case_id}` is taken", case.path, case.line,
                            hint="choose another id")
    return path


def schema_ref(config: Config, path: Path) -> str:
    """The schema's path as the new file's editor comment gives it (relative to the file)."""
    return Path(os.path.relpath(config.root.resolve() / SCHEMA_PATH,
                                path.parent.absolute())).as_posix()


MAX_SOURCE = 8 * 1024 * 1024  # bytes of a --from-python file read at most


def new_case(case_id: str, config: Config, directory: str | None = None,
             from_python: str | None = None, force: bool = False) -> tuple[Path, str]:
    """Where the new case goes, and its text (checked to be a valid case)."""
    path = new_path(case_id, config, directory, force)
    program, imports = EXAMPLE_PROGRAM, {}
    expect: dict = {}
    asserts: list[str] = []
    if from_python:
        try:  # bounded, never waiting: --from-python /dev/zero or a FIFO hung for ever
            source = caselib.read_bytes(Path(from_python), MAX_SOURCE).decode("utf-8")
        except caselib.NotCaseFile as e:
            raise UserError(str(e), from_python, hint="give a Python file") from None
        except (OSError, UnicodeDecodeError) as e:
            raise UserError(f"cannot read: {getattr(e, 'strerror', None) or e}",
                            from_python) from None
        imports, program, expect, asserts = convert_claims(source, from_python)
    note = (f"from {Path(from_python).name}" if from_python else
            "an example: replace it with yours") + " (docs/writing-cases.md lists the steps)"
    text = TEMPLATE.format(schema=schema_ref(config, path), id=inline(case_id), program_note=note,
                           program="\n".join(step_lines(program)))
    text = with_imports(with_claims(text, expect, asserts), imports)
    cases, errors = caselib.load_text(text, caselib.display_path(path))
    if errors:  # e.g. a converted program that refers to something it never captured
        raise UserError(f"the converted program is not a valid case: {errors[0].message}",
                        from_python, None, errors[0].hint)
    return path, text
