"""Every registered derivation and route: proven, rendered for every target, language and
notation, typeset by KaTeX, compiled by TeX, read back clean by ``derive check``, and kept
current in ``output/``.

The softmax-ce quotient route has its own deeper tests (test_golden, test_renderers); this
file holds every derivation to the same bar, so a new one is covered by being registered.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import GOLDEN_DATE, proven_once
from renderers import compile_latex, hugo_math, katex_errors
from test_renderers import display_math, expected_display, inline_math

from derive import derivations
from derive.check import check_text
from derive.check.findings import PROVEN, UNCHECKED, WRONG
from derive.i18n import LANGUAGES
from derive.notation import PRESETS
from derive.pipeline import Proven, publish
from derive.targets import TARGETS, default_path

ROOT = Path(__file__).resolve().parent.parent
BUILTIN = {name: derivations.REGISTRY[name] for name in list(derivations.REGISTRY)}
ROUTES = [(d.name, route.name) for d in BUILTIN.values() for route in d.routes]
IDS = [f"{name}:{route}" for name, route in ROUTES]


def golden_path(name: str, route: str):
    derivation = BUILTIN[name]
    return ROOT / default_path(derivation.file_stem(route), derivation.default_n, TARGETS["hugo"], "en")


@pytest.fixture
def proven_route(request) -> Proven:
    name, route = request.param
    return proven_once(name, BUILTIN[name].default_n, route)


def _post(proven: Proven, target: str = "hugo", lang: str = "en", notation=None) -> str:
    return publish(proven, date=GOLDEN_DATE, target=TARGETS[target], lang=lang, notation=notation).post


def test_every_derivation_is_listed_with_its_routes():
    from click.testing import CliRunner

    from cli import cli

    listed = CliRunner().invoke(cli, ["list"]).output
    for derivation in BUILTIN.values():
        assert f"{derivation.name}\t{derivation.summary}" in listed
        help_text = CliRunner().invoke(cli, [derivation.name, "--help"]).output
        assert derivation.n_help.split()[0] in help_text
        assert ("--route" in help_text) == (len(derivation.routes) > 1)


@pytest.mark.parametrize("proven_route", ROUTES, ids=IDS, indirect=True)
def test_every_target_language_and_notation_typesets(proven_route):
    equations = []
    for target in TARGETS:
        for lang in LANGUAGES:
            text = _post(proven_route, target, lang)
            displays = display_math(target, text)
            if target != "latex":  # the article gathers a chain into one align
                assert len(displays) == len(proven_route.equations), f"{target}/{lang}"
            equations += [(f"{target}/{lang} display {n + 1}", tex) for n, tex in enumerate(displays)]
            equations += [
                (f"{target}/{lang} inline {n + 1}", tex) for n, tex in enumerate(inline_math(target, text))
            ]
    for preset, notation in PRESETS.items():
        text = _post(proven_route, "hugo", "en", notation)
        equations += [(f"{preset} display {n + 1}", tex) for n, tex in enumerate(display_math("hugo", text))]
    failures = katex_errors(equations)
    assert not failures, "\n".join(f"{name}: {message}" for name, message in failures[:10])


@pytest.mark.parametrize("proven_route", ROUTES, ids=IDS, indirect=True)
def test_hugo_keeps_the_math(proven_route):
    text = _post(proven_route)
    assert hugo_math(text).display == expected_display(proven_route.equations, "hugo")


@pytest.mark.parametrize("proven_route", ROUTES, ids=IDS, indirect=True)
def test_latex_article_compiles(proven_route, tmp_path):
    compiled = compile_latex(_post(proven_route, "latex", "en"), "en", tmp_path)
    numbers = {int(n) for n in re.findall(r"\((\d+)\)\s*$", compiled.text, re.MULTILINE)}
    assert numbers == set(range(1, len(proven_route.equations) + 1)), "every numbered equation is in the PDF"


#: Posts derive check cannot read yet, and why: their steps are "?", never "✗".
@pytest.mark.parametrize("proven_route", ROUTES, ids=IDS, indirect=True)
def test_derive_check_reads_every_step_of_the_post_as_proven(proven_route):
    report = check_text(_post(proven_route), ".md")
    assert not report.wrong, [f"line {f.line}: {f.detail}" for f in report.findings if f.verdict == WRONG]
    doubtful = [f"line {f.line}: {f.detail}" for f in report.findings if f.verdict == UNCHECKED]
    assert not doubtful, "\n".join(doubtful)
    assert report.count(PROVEN) > 0


@pytest.mark.parametrize("proven_route", ROUTES, ids=IDS, indirect=True)
def test_committed_example_is_current(proven_route):
    path = golden_path(proven_route.name, proven_route.route)
    route = "" if proven_route.route == BUILTIN[proven_route.name].route else f" --route {proven_route.route}"
    command = f"derive {proven_route.name}{route} --date {GOLDEN_DATE}"
    assert path.is_file(), f"{path.name} is missing: run `{command}`"
    assert _post(proven_route) == path.read_text(encoding="utf-8"), f"{path.name} is stale: run `{command}`"
