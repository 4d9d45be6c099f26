"""The proof cache answers only the very statement it proved, and can be switched off."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Terminal, broken
from sympy import Integer

from cli import _Progress, cli
from derive import proofcache
from derive.document import prove
from derive.errors import StepNotProven
from derive.proofcache import ProofCache
from derive.verify import Verifier


def _entries(cache: ProofCache) -> list:
    return sorted(cache.directory.rglob("*.json"))


@pytest.fixture
def forbid_proving(monkeypatch):
    """Every statement must come from the cache: proving one is an error."""

    def refuse(self, lhs, rhs, conditions=()):
        raise AssertionError(f"proved {lhs} = {rhs} again")

    monkeypatch.setattr(Verifier, "prove", refuse)


def test_a_warm_run_proves_nothing_and_gives_the_same_proofs(document, proven, tmp_path, monkeypatch):
    cache = ProofCache(tmp_path)
    cold = prove(document, cache=cache)
    assert 0 < len(_entries(cache)) <= len(cold)

    monkeypatch.setattr(Verifier, "prove", lambda *a: pytest.fail("proved again"))
    warm = prove(document, cache=cache)
    assert [e.proof for e in warm] == [e.proof for e in cold] == [e.proof for e in proven]


def test_a_changed_step_is_proven_afresh_and_refused(document, tmp_path):
    cache = ProofCache(tmp_path)
    prove(document, cache=cache)
    chain = document.chain("loss-derivative")
    flipped = broken(document, "loss-derivative", 4, -chain.links[4].expr)
    with pytest.raises(StepNotProven, match=r"\(5\)"):
        prove(flipped, cache=cache)


def test_a_failed_proof_is_never_kept(tmp_path):
    cache = ProofCache(tmp_path)
    proof = proofcache.prove(Verifier(), Integer(1), Integer(2), (), cache)
    assert not proof.verified
    assert _entries(cache) == []


def test_a_proof_is_keyed_by_the_code_that_made_it(tmp_path, monkeypatch):
    cache = ProofCache(tmp_path)
    statement = (Verifier(), Integer(2), Integer(1) + 1, ())
    before = cache.key(*statement)
    proofcache._verifier_text.cache_clear()
    monkeypatch.setattr(proofcache, "_code_fingerprint", lambda: "another verifier")
    assert cache.key(*statement) != before
    proofcache._verifier_text.cache_clear()


@pytest.mark.parametrize(
    "content",
    ["not json", json.dumps(["a list"]), json.dumps({"key": "another key", "method": "exact"})],
    ids=["garbage", "not an object", "another key"],
)
def test_an_entry_that_is_not_its_own_is_ignored(tmp_path, content):
    cache = ProofCache(tmp_path)
    key = cache.key(Verifier(), Integer(1), Integer(2), ())
    path = cache._path(key)
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8")
    assert cache.get(key) is None
    assert not proofcache.prove(Verifier(), Integer(1), Integer(2), (), cache).verified


def test_an_unwritable_cache_only_costs_time(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory would be")
    cache = ProofCache(blocker / "proofs")
    assert proofcache.prove(Verifier(), Integer(2), Integer(1) + 1, (), cache).verified


def test_the_command_reuses_proofs_and_no_cache_ignores_them(tmp_path, monkeypatch):
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "cache"))
    runner = CliRunner()
    arguments = ["softmax-ce", "--route", "log-sum-exp", "--date", "2026-11-21"]

    cold = runner.invoke(cli, [*arguments, "-o", str(tmp_path / "cold.md")])
    assert cold.exit_code == 0, cold.output
    stored = sorted((tmp_path / "cache" / "proofs").rglob("*.json"))
    assert stored

    monkeypatch.setattr(Verifier, "prove", lambda *a: pytest.fail("proved again"))
    warm = runner.invoke(cli, [*arguments, "-o", str(tmp_path / "warm.md")])
    assert warm.exit_code == 0, warm.output
    assert (tmp_path / "warm.md").read_bytes() == (tmp_path / "cold.md").read_bytes()

    monkeypatch.undo()
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "unused"))
    fresh = runner.invoke(cli, [*arguments, "--no-cache", "-o", str(tmp_path / "fresh.md")])
    assert fresh.exit_code == 0, fresh.output
    assert (tmp_path / "fresh.md").read_bytes() == (tmp_path / "cold.md").read_bytes()
    assert not (tmp_path / "unused" / "proofs").exists()


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_shows_on_a_terminal_once_a_run_takes_a_second():
    terminal, clock = Terminal(tty=True), _Clock()
    progress = _Progress(terminal, clock=clock)
    progress(0, 56, "(1) loss: definition")
    assert terminal.getvalue() == ""
    clock.now = 1.5
    progress(12, 56, "(13) softmax-same-index: quotient rule")
    assert "proving 12/56 (13) softmax-same-index: quotient rule" in terminal.getvalue()
    progress.close()
    assert terminal.getvalue().endswith("\r\x1b[K")


def test_progress_stays_quiet_off_a_terminal():
    pipe, clock = Terminal(tty=False), _Clock()
    progress = _Progress(pipe, clock=clock)
    clock.now = 10.0
    progress(1, 2, "(2) chain: step")
    progress.close()
    assert pipe.getvalue() == ""


def test_check_reuses_proofs_and_no_cache_ignores_them(tmp_path, monkeypatch):
    post = "output/softmax-ce-log-sum-exp-n3.md"
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "cache"))
    runner = CliRunner()
    with monkeypatch.context() as patch:
        _forget_proofs_made_in_this_process(patch)
        cold = runner.invoke(cli, ["check", "--format", "json", post])
    assert cold.exit_code == 0, cold.output
    assert sorted((tmp_path / "cache" / "proofs").rglob("*.json"))

    with monkeypatch.context() as patch:
        patch.setattr(Verifier, "prove", lambda *a: pytest.fail("proved again"))
        _forget_proofs_made_in_this_process(patch)
        warm = runner.invoke(cli, ["check", "--format", "json", post])
    assert warm.exit_code == 0, warm.output
    assert warm.output == cold.output

    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "unused"))
    with monkeypatch.context() as patch:
        _forget_proofs_made_in_this_process(patch)
        fresh = runner.invoke(cli, ["check", "--no-cache", "--format", "json", post])
    assert fresh.output == cold.output
    assert not (tmp_path / "unused" / "proofs").exists()


def _forget_proofs_made_in_this_process(patch) -> None:
    # The checker also remembers proofs within one process; only the disk cache may answer.
    from derive.check import proving

    patch.setattr(proving, "_PROOFS", {})


def test_every_module_that_decides_a_proof_is_in_the_cache_key():
    # A change to how a derivative is taken or a value computed must not be answered by an old proof.
    package = Path(proofcache.__file__).parent
    deciding = set(proofcache._DECIDING_MODULES)
    for module in deciding:
        source = (package / module).read_text(encoding="utf-8")
        for imported in re.findall(r"^from derive\.(\w+) import", source, re.M):
            assert f"{imported}.py" in deciding or imported in _NOT_DECIDING, (module, imported)


#: Modules the deciding ones import for what they are not deciding with: names and messages.
_NOT_DECIDING = {"errors", "notation"}
