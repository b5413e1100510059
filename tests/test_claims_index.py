"""The article's claims index (claims/article.yaml) and its cases (cases/article/) stay in step.

Reads the YAML files directly; needs neither the engine nor TensorFlow. The article itself lives
outside the repository, at ../shared/seeds/article.txt from the repository root (in CI a copy of
shared/ sits beside the clone; from a linked worktree, beside its main checkout:
conftest.find_shared); only the checks that need its text are skipped when it is absent.
"""

import re
from pathlib import Path

import pytest
import yaml

from .conftest import ARTICLE

ROOT = Path(__file__).resolve().parents[1]
INDEX = ROOT / "claims" / "article.yaml"
CASES = ROOT / "cases" / "article"


def _load_cases():
    cases = []
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data if isinstance(data, list) else [data]:
            cases.append((path.name, case))
    return cases


@pytest.fixture(scope="module")
def index():
    data = yaml.safe_load(INDEX.read_text(encoding="utf-8"))
    assert data.get("doc") == "article", "claims/article.yaml must say doc: article"
    assert isinstance(data.get("claims"), list) and data["claims"], "no claims listed"
    return data["claims"]


@pytest.fixture(scope="module")
def cases():
    found = _load_cases()
    assert found, "no cases under cases/article/"
    return found


@pytest.fixture(scope="module")
def article():
    if not ARTICLE.is_file():
        pytest.skip(f"the article is not at {ARTICLE} (shared/ is not beside the repository), "
                    "so quotes and claim texts cannot be checked against it")
    return ARTICLE.read_text(encoding="utf-8")


def _indexed_ids(index):
    return [cid for claim in index for cid in claim.get("cases") or []]


def test_claims_numbered_in_order(index):
    numbers = [claim.get("n") for claim in index]
    assert numbers == list(range(1, len(index) + 1)), f"claims must be numbered 1..N: {numbers}"


def test_every_claim_is_well_formed(index):
    for claim in index:
        n = claim.get("n")
        assert isinstance(claim.get("text"), str) and claim["text"], f"claim {n} has no text"
        assert isinstance(claim.get("where"), str) and claim["where"], f"claim {n} has no where"
        checkable = claim.get("checkable", True)
        assert isinstance(checkable, bool), f"claim {n}: checkable must be true or false"
        if checkable:
            assert claim.get("cases") or claim.get("tests"), \
                f"checkable claim {n} ({claim['text']!r}) has no case and no test"
            assert isinstance(claim.get("cases", []), list), f"claim {n}: cases must be a list"
        else:
            assert claim.get("why"), f"claim {n} is marked not checkable without a `why`"
            assert not claim.get("cases"), f"claim {n} is not checkable but lists cases"


def test_index_names_only_existing_cases(index, cases):
    existing = {case["id"] for _, case in cases}
    unknown = sorted(set(_indexed_ids(index)) - existing)
    assert not unknown, f"claims/article.yaml names cases that do not exist: {unknown}"


def test_every_article_case_is_indexed(index, cases):
    indexed = set(_indexed_ids(index))
    missing = sorted(f"{case['id']} ({name})" for name, case in cases if case["id"] not in indexed)
    assert not missing, f"cases missing from claims/article.yaml: {missing}"


def test_article_case_ids_are_unique(cases):
    ids = [case["id"] for _, case in cases]
    duplicates = sorted({cid for cid in ids if ids.count(cid) > 1})
    assert not duplicates, f"duplicate case ids: {duplicates}"


def test_article_cases_quote_the_article(cases, article):
    bad = []
    for name, case in cases:
        source = case.get("source") or {}
        if source.get("doc") != "article":
            bad.append(f"{case['id']} ({name}): source.doc is not article")
        elif not isinstance(source.get("quote"), str) or source["quote"] not in article:
            bad.append(f"{case['id']} ({name}): source.quote is not in the article: "
                       f"{source.get('quote')!r}")
    assert not bad, "\n".join(bad)


def test_claim_texts_appear_in_the_article(index, article):
    bad = [f"claim {claim['n']}: {claim['text']!r}" for claim in index
           if claim["text"] not in article]
    assert not bad, "claim texts not found in the article:\n" + "\n".join(bad)


# --- readings (docs/case-format.md, "Readings") ---------------------------------------------

# A step path (`program[0].do[1]`) or a case id (`article.example-loop`): the harness's names,
# which a reader of the report cannot look up.
INTERNAL_PATH = re.compile(r"program\[\d+\]|\.do\[\d+\]|\barticle\.[a-z0-9]+-[a-z0-9-]+")


def _reader_texts(case):
    """Every text of a case that reaches a reader of the report."""
    source = case.get("source") or {}
    texts = [case.get("title"), source.get("reading"), source.get("reading_why"),
             source.get("covers"), source.get("where")]
    texts += [d.get("reason") for d in case.get("deviations") or []]
    return [t for t in texts if isinstance(t, str)]


def test_no_reader_facing_text_names_an_internal_path(cases):
    bad = [f"{case['id']} ({name}): {text!r}" for name, case in cases
           for text in _reader_texts(case) if INTERNAL_PATH.search(text)]
    assert not bad, "internal step paths in text a reader sees:\n" + "\n".join(bad)


def test_every_case_of_a_general_claim_says_what_it_covers(index, cases):
    by_id = {case["id"]: case for _, case in cases}
    bad = []
    for claim in index:
        if claim.get("general"):
            for cid in claim.get("cases") or []:
                source = by_id[cid]["source"]
                if source.get("reading_kind") != "implausible" and not source.get("covers"):
                    bad.append(f"claim {claim['n']}: {cid} has no source.covers")
    assert not bad, "\n".join(bad)


def test_general_claims_have_counterexamples_or_say_they_hold_everywhere(index, cases):
    """A general claim whose cases all conform is fine; the point is that each lists more than
    one situation, so one lucky situation never stands for the rule."""
    by_id = {case["id"]: case for _, case in cases}
    for claim in index:
        if claim.get("general"):
            situations = {by_id[c]["source"].get("covers") for c in claim["cases"]}
            assert len(situations) > 1, f"claim {claim['n']} is general but checks one situation"


def test_readings_other_than_plain_say_why(cases):
    bad = []
    for name, case in cases:
        source = case["source"]
        kind = source.get("reading_kind", "plain")
        assert kind in ("plain", "alternative", "implausible"), f"{case['id']}: {kind}"
        if kind != "plain" and not (source.get("reading") and source.get("reading_why")):
            bad.append(f"{case['id']} ({name}): {kind} without reading and reading_why")
    assert not bad, "\n".join(bad)


def test_alternative_readings_come_at_least_in_pairs(index, cases):
    """`alternative` means one of several plausible readings: the claim has another case."""
    by_id = {case["id"]: case for _, case in cases}
    for claim in index:
        ids = claim.get("cases") or []
        alternatives = [c for c in ids if by_id[c]["source"].get("reading_kind") == "alternative"]
        assert len(alternatives) != 1, \
            f"claim {claim['n']}: {alternatives[0]} is the only alternative reading"


def _stated_values(value):
    if isinstance(value, list):
        for item in value:
            yield from _stated_values(item)
    elif isinstance(value, str):
        yield value


def test_stated_values_are_what_the_article_prints_or_says(cases, article):
    bad = []
    for _name, case in cases:
        for fact in case["source"].get("stated") or []:
            expected = case["expect"][fact]
            if fact == "error":
                if "error" not in case["source"]["quote"]:
                    bad.append(f"{case['id']}: states an error its quote does not mention")
                continue
            values = list(_stated_values(expected))
            if not values:
                bad.append(f"{case['id']}: {fact} is stated but is no name the article prints")
            bad += [f"{case['id']}: {fact} = {v!r} is nowhere in the article"
                    for v in values if v not in article]
    assert not bad, "\n".join(bad)


def test_tests_named_by_claims_exist(index):
    """`tests:` entries are pytest node ids of test functions that exist."""
    bad = []
    for claim in index:
        for node in claim.get("tests") or []:
            path, _, name = node.partition("::")
            file = ROOT / path
            if not file.is_file() or not re.search(rf"^def {re.escape(name)}\(",
                                                   file.read_text(encoding="utf-8"), re.M):
                bad.append(f"claim {claim['n']}: {node}")
    assert not bad, "claims name tests that do not exist:\n" + "\n".join(bad)


def test_shared_is_found_from_a_linked_worktree(tmp_path):
    """Helpers work in `git worktree add` checkouts, which have no shared/ beside them: the
    article's text is then found beside the main checkout, so its checks run instead of
    skipping (they had skipped in every worktree)."""
    from .conftest import find_shared

    main, wt = tmp_path / "main", tmp_path / "wt" / "x"
    (main / ".git" / "worktrees" / "x").mkdir(parents=True)
    (main / ".git" / "worktrees" / "x" / "commondir").write_text("../..\n")
    (tmp_path / "shared" / "seeds").mkdir(parents=True)
    wt.mkdir(parents=True)
    (wt / ".git").write_text(f"gitdir: {main / '.git' / 'worktrees' / 'x'}\n")
    assert find_shared(wt) == tmp_path / "shared"
    assert find_shared(main) == tmp_path / "shared"  # the main checkout: beside it
    (tmp_path / "wt" / "shared").mkdir()
    assert find_shared(wt) == tmp_path / "wt" / "shared"  # one beside the worktree wins
