"""Long synthetic posts for measuring ``derive check``.

The issue asks that ``derive check`` on a 2,000-equation file finish in bounded time and memory,
and the benchmark times ``derive check`` on a 40-equation post. No real post is that long, so
:func:`long_post` writes one: lecture notes that work through the softmax/cross-entropy
gradient again and again, in the shapes the committed posts use (``output/*.md``,
``tests/check_posts/``) — definitions, ``∂L/∂p``, ``∂S/∂z``, both cases of the softmax
Jacobian, the chain rule, log-softmax, shifted and scaled logits, worked examples with three
classes — each time with other letters, indices and numbers.

The variation matters: the checker memoizes proofs by statement, so a post that repeated one
chain would measure the memo, not the prover. A few links are deliberately wrong (a lost
sign, a swapped index, a wrong power), as in a real draft, so the cost of finding a
counterexample is measured too.

``python bench/posts.py 2000 > /tmp/long.md`` writes a post to standard output.
"""

from __future__ import annotations

import itertools
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

#: How often a chain carries one wrong link.
WRONG_RATE = 0.08


@dataclass(frozen=True)
class Theme:
    """The letters of one softmax/cross-entropy setting: logits, probabilities, loss, denominator."""

    logits: str
    probs: str
    loss: str
    total: str
    labels: str = "y"  # one family throughout: the post states once that it is one-hot


# Every letter has one role in the whole post, so no theme's definitions clash with another's.
THEMES = (
    Theme("z", "p", "L", "S"),
    Theme("a", "q", "J", "D"),
    Theme("o", r"\hat{y}", "C", "A"),
    Theme("u", r"\hat{p}", "R", "B"),
    Theme("v", r"\tilde{p}", "K", "G"),
    Theme("w", r"\bar{q}", "Q", "H"),
    Theme("b", r"\hat{q}", "F", "P"),
    Theme(r"\bar{z}", r"\bar{p}", "E", "U"),
)
# Free indices; k is the summation index throughout, and d, e, f, g, h, x mean other things.
INDICES = ("i", "j", "l", "m", "n", "r", "s", "t")


@dataclass
class Chain:
    """A derivation under its own heading: the rows of display math and which links are wrong."""

    heading: str
    prose: str
    rows: list[str]
    wrong: set[int] = field(default_factory=set)
    aligned: bool = False

    def markdown(self, limit: int | None = None) -> tuple[list[str], list[int]]:
        """The section's lines, and the offsets among them of the wrong rows."""
        rows = self.rows[:limit]
        lines = [f"### {self.heading}", "", self.prose, ""]
        wrong: list[int] = []
        if self.aligned and len(rows) > 1:
            lines += ["$$", "\\begin{aligned}"]
            for number, row in enumerate(rows):
                if number in self.wrong:
                    wrong.append(len(lines))
                row = row.replace(" = ", " &= ", 1) if number == 0 else f"&{row}"
                lines.append(row + (" \\\\" if number < len(rows) - 1 else ""))
            lines += ["\\end{aligned}", "$$", ""]
        else:
            for number, row in enumerate(rows):
                if number:
                    lines += [_BETWEEN[number % len(_BETWEEN)], ""]
                if number in self.wrong:
                    wrong.append(len(lines) + 1)
                lines += ["$$", row, "$$", ""]
        return lines, wrong


_BETWEEN = (
    "Simplifying,",
    "and so",
    "Rearranging the terms gives",
    "which is the same as",
    "Collecting what is left:",
    "Hence",
)


def _sum(body: str) -> str:
    return rf"\sum_{{k=1}}^{{N}} {body}"


def _exp_sum(z: str) -> str:
    return _sum(f"e^{{{z}_k}}")


def _ce_sum(y: str, p: str) -> str:
    return _sum(f"{y}_k \\log {p}_k")


def definitions(t: Theme, i: str) -> list[Chain]:
    """The loss, the softmax and its denominator, each in its own display."""
    p, z, y = t.probs, t.logits, t.labels
    return [
        Chain(
            "The loss",
            f"The cross-entropy compares the labels ${y}$ with the probabilities ${p}$:",
            [rf"{t.loss} = - {_ce_sum(y, p)}"],
        ),
        Chain(
            "The softmax",
            f"The probabilities come from the logits ${z}$ through a softmax:",
            [rf"{p}_{i} = \frac{{e^{{{z}_{i}}}}}{{{_exp_sum(z)}}}"],
        ),
        Chain(
            "Its denominator",
            f"The denominator appears in every line below, so it gets a name, ${t.total}$:",
            [rf"{t.total} = {_exp_sum(z)}"],
        ),
    ]


def loss_by_probability(t: Theme, i: str, weight: int, rng: random.Random) -> Chain:
    """∂L/∂p_i, or for a loss with a class weight in front (``weight`` > 1), of weight·L."""
    p, y = t.probs, t.labels
    w = f"{weight} " if weight > 1 else ""
    dlog = rf"{y}_k \cdot \frac{{\partial \log {p}_k}}{{\partial {p}_{i}}}"
    rows = [
        rf"{w}\frac{{\partial {t.loss}}}{{\partial {p}_{i}}} = \frac{{\partial}}{{\partial {p}_{i}}} "
        rf"\left(- {w}{_ce_sum(y, p)}\right)",
        rf"= - {w}{_sum(dlog)}",
        rf"= - {w}{y}_{i} \cdot \frac{{\partial \log {p}_{i}}}{{\partial {p}_{i}}}",
        rf"= - {w}{y}_{i} \cdot \frac{{1}}{{{p}_{i}}}",
        rf"= - \frac{{{w}{y}_{i}}}{{{p}_{i}}}",
    ]
    chain = Chain(
        f"The loss by one probability (${i}$)" + (f", weighted by ${weight}$" if w else ""),
        f"Only one term of the sum depends on ${p}_{i}$.",
        rows,
    )
    mistakes = {3: rf"= {w}{y}_{i} \cdot \frac{{1}}{{{p}_{i}}}", 4: rf"= \frac{{{w}{y}_{i}}}{{{p}_{i}}}"}
    return _maybe_wrong(chain, rng, mistakes)


def total_by_logit(t: Theme, i: str, j: str, rng: random.Random) -> Chain:
    z, s = t.logits, t.total
    dexp = rf"\frac{{\partial e^{{{z}_k}}}}{{\partial {z}_{i}}}"
    delta = rf"\delta_{{{i}k}} \cdot e^{{{z}_k}}"
    rows = [
        rf"\frac{{\partial {s}}}{{\partial {z}_{i}}} = \frac{{\partial}}{{\partial {z}_{i}}} "
        rf"\left({_exp_sum(z)}\right)",
        rf"= {_sum(dexp)}",
        rf"= {_sum(delta)}",
        rf"= e^{{{z}_{i}}}",
    ]
    chain = Chain(f"The denominator by ${z}_{i}$", "Its derivative picks out a single term.", rows)
    return _maybe_wrong(chain, rng, {3: rf"= e^{{{z}_{j}}}", 2: rf"= {_exp_sum(z)}"})


def diagonal(t: Theme, i: str, rng: random.Random, aligned: bool) -> Chain:
    p, z, s = t.probs, t.logits, t.total
    e = f"e^{{{z}_{i}}}"
    rows = [
        rf"\frac{{\partial {p}_{i}}}{{\partial {z}_{i}}} = \frac{{\partial}}{{\partial {z}_{i}}} "
        rf"\left(\frac{{{e}}}{{{s}}}\right)",
        rf"= \frac{{\frac{{\partial {e}}}{{\partial {z}_{i}}} \cdot {s} - {e} \cdot "
        rf"\frac{{\partial {s}}}{{\partial {z}_{i}}}}}{{{s}^{{2}}}}",
        rf"= \frac{{{e} \cdot {s} - {e} \cdot {e}}}{{{s}^{{2}}}}",
        rf"= \frac{{{e} \cdot \left({s} - {e}\right)}}{{{s}^{{2}}}}",
        rf"= \frac{{{e}}}{{{s}}} \cdot \frac{{{s} - {e}}}{{{s}}}",
        rf"= \frac{{{e}}}{{{s}}} \cdot \left(1 - \frac{{{e}}}{{{s}}}\right)",
        rf"= {p}_{i} \left(1 - {p}_{i}\right)",
    ]
    chain = Chain(
        f"The diagonal of the Jacobian, ${p}_{i}$ by ${z}_{i}$",
        "Both the numerator and the denominator depend on the logit, so the quotient rule does the work.",
        rows,
        aligned=aligned,
    )
    return _maybe_wrong(
        chain,
        rng,
        {
            6: rf"= {p}_{i} \left(1 + {p}_{i}\right)",
            3: rf"= \frac{{{e} \cdot \left({s} + {e}\right)}}{{{s}^{{2}}}}",
            2: rf"= \frac{{{e} \cdot {s} - {e}}}{{{s}^{{2}}}}",
        },
    )


def off_diagonal(t: Theme, i: str, j: str, rng: random.Random, aligned: bool) -> Chain:
    p, z, s = t.probs, t.logits, t.total
    ei, ej = f"e^{{{z}_{i}}}", f"e^{{{z}_{j}}}"
    rows = [
        rf"\frac{{\partial {p}_{i}}}{{\partial {z}_{j}}} = \frac{{\partial}}{{\partial {z}_{j}}} "
        rf"\left(\frac{{{ei}}}{{{s}}}\right)",
        rf"= \frac{{\frac{{\partial {ei}}}{{\partial {z}_{j}}} \cdot {s} - {ei} \cdot "
        rf"\frac{{\partial {s}}}{{\partial {z}_{j}}}}}{{{s}^{{2}}}}",
        rf"= \frac{{0 \cdot {s} - {ei} \cdot {ej}}}{{{s}^{{2}}}}",
        rf"= - \frac{{{ei} \cdot {ej}}}{{{s}^{{2}}}}",
        rf"= - \frac{{{ei}}}{{{s}}} \cdot \frac{{{ej}}}{{{s}}}",
        rf"= - {p}_{i} {p}_{j}",
    ]
    chain = Chain(
        f"Case ${i} \\neq {j}$",
        "Now the numerator does not depend on the variable, and only the denominator does.",
        rows,
        aligned=aligned,
    )
    return _maybe_wrong(
        chain,
        rng,
        {5: rf"= {p}_{i} {p}_{j}", 3: rf"= \frac{{{ei} \cdot {ej}}}{{{s}^{{2}}}}"},
    )


def log_softmax(t: Theme, i: str, rng: random.Random) -> Chain:
    p, z, s = t.probs, t.logits, t.total
    rows = [
        rf"\log {p}_{i} = \log \frac{{e^{{{z}_{i}}}}}{{{s}}}",
        rf"= \log e^{{{z}_{i}}} - \log {s}",
        rf"= {z}_{i} - \log {s}",
        rf"= {z}_{i} - \log \left({_exp_sum(z)}\right)",
    ]
    chain = Chain(
        f"The log-probability of class ${i}$", "Taking logarithms turns the quotient into a difference.", rows
    )
    return _maybe_wrong(chain, rng, {2: rf"= {z}_{i} + \log {s}"})


def shifted(t: Theme, i: str, c: int, rng: random.Random) -> Chain:
    """Softmax does not change when every logit is shifted by the same c (the max trick)."""
    p, z, s = t.probs, t.logits, t.total
    shifted_term = f"e^{{{z}_k - {c}}}"
    rows = [
        rf"\frac{{e^{{{z}_{i} - {c}}}}}{{{_sum(shifted_term)}}} = "
        rf"\frac{{e^{{-{c}}} e^{{{z}_{i}}}}}{{e^{{-{c}}} {_exp_sum(z)}}}",
        rf"= \frac{{e^{{{z}_{i}}}}}{{{s}}}",
        rf"= {p}_{i}",
    ]
    chain = Chain(
        f"Shifting the logits by ${c}$",
        f"Subtracting the same number from every logit leaves the softmax alone; here the number is {c}.",
        rows,
    )
    return _maybe_wrong(chain, rng, {1: rf"= \frac{{e^{{{z}_{i} - {c}}}}}{{{s}}}"})


def scaled(t: Theme, i: str, c: int, rng: random.Random) -> Chain:
    """A scaled log-denominator, as in a temperature: ∂(c log S)/∂z_i = c p_i."""
    p, z, s = t.probs, t.logits, t.total
    rows = [
        rf"\frac{{\partial}}{{\partial {z}_{i}}} \left({c} \log {s}\right) = "
        rf"{c} \cdot \frac{{1}}{{{s}}} \cdot \frac{{\partial {s}}}{{\partial {z}_{i}}}",
        rf"= {c} \cdot \frac{{e^{{{z}_{i}}}}}{{{s}}}",
        rf"= {c} {p}_{i}",
    ]
    chain = Chain(
        f"A factor of ${c}$",
        f"With a factor {c} in front of the log of the denominator, the factor comes along.",
        rows,
    )
    mistakes = {2: rf"= {c + 1} {p}_{i}", 1: rf"= {c} \cdot \frac{{e^{{{z}_{i}}}}}{{{s}^{{2}}}}"}
    return _maybe_wrong(chain, rng, mistakes)


def chain_rule(t: Theme, i: str, j: str, rng: random.Random) -> Chain:
    p, z, y, loss = t.probs, t.logits, t.labels, t.loss
    link = (
        rf"\frac{{\partial {loss}}}{{\partial {p}_{j}}} \cdot \frac{{\partial {p}_{j}}}{{\partial {z}_{i}}}"
    )
    own = rf"\frac{{\partial {loss}}}{{\partial {p}_{i}}} \cdot \frac{{\partial {p}_{i}}}{{\partial {z}_{i}}}"
    others = rf"\sum_{{{j} \neq {i}}}"
    rows = [
        rf"\frac{{\partial {loss}}}{{\partial {z}_{i}}} = \sum_{{{j}=1}}^{{N}} {link}",
        rf"= {own} + {others} {link}",
        rf"= \left(- \frac{{{y}_{i}}}{{{p}_{i}}}\right) \cdot {p}_{i} \left(1 - {p}_{i}\right) + {others}"
        rf" \left(- \frac{{{y}_{j}}}{{{p}_{j}}}\right) \cdot \left(- {p}_{j} {p}_{i}\right)",
        rf"= - {y}_{i} \left(1 - {p}_{i}\right) + {others} {y}_{j} {p}_{i}",
        rf"= - {y}_{i} + {y}_{i} {p}_{i} + {p}_{i} {others} {y}_{j}",
        rf"= - {y}_{i} + {p}_{i} \sum_{{{j}=1}}^{{N}} {y}_{j}",
        rf"= {p}_{i} - {y}_{i}",
    ]
    chain = Chain(
        "The chain rule",
        f"The loss depends on each logit through every probability; split off the term ${j} = {i}$"
        " and use the two cases above.",
        rows,
    )
    mistakes = {
        6: rf"= {y}_{i} - {p}_{i}",
        3: rf"= - {y}_{i} \left(1 + {p}_{i}\right) + {others} {y}_{j} {p}_{i}",
    }
    return _maybe_wrong(chain, rng, mistakes)


def worked(t: Theme, a: int, b: int, rng: random.Random) -> Chain:
    """One entry of the Jacobian for three classes, with the sums written out."""
    p, z = t.probs, t.logits
    total = " + ".join(f"e^{{{z}_{k}}}" for k in (1, 2, 3))
    ea, eb = f"e^{{{z}_{a}}}", f"e^{{{z}_{b}}}"
    if a == b:
        rest = " + ".join(f"e^{{{z}_{k}}}" for k in (1, 2, 3) if k != a)
        rows = [
            rf"\frac{{\partial {p}_{a}}}{{\partial {z}_{a}}} = \frac{{\partial}}{{\partial {z}_{a}}}"
            rf" \left(\frac{{{ea}}}{{{total}}}\right)",
            rf"= \frac{{{ea} \cdot \left({total}\right) - {ea} \cdot {ea}}}{{\left({total}\right)^{{2}}}}",
            rf"= \frac{{{ea}}}{{{total}}} \cdot \frac{{{rest}}}{{{total}}}",
            rf"= {p}_{a} \left(1 - {p}_{a}\right)",
        ]
        wrong = {3: rf"= {p}_{a} \left(1 - {p}_{a}\right)^{{2}}"}
    else:
        rows = [
            rf"\frac{{\partial {p}_{a}}}{{\partial {z}_{b}}} = \frac{{\partial}}{{\partial {z}_{b}}}"
            rf" \left(\frac{{{ea}}}{{{total}}}\right)",
            rf"= \frac{{- {ea} \cdot {eb}}}{{\left({total}\right)^{{2}}}}",
            rf"= - \frac{{{ea}}}{{{total}}} \cdot \frac{{{eb}}}{{{total}}}",
            rf"= - {p}_{a} {p}_{b}",
        ]
        wrong = {3: rf"= - {p}_{a} {p}_{a}", 1: rf"= \frac{{{ea} \cdot {eb}}}{{\left({total}\right)^{{2}}}}"}
    chain = Chain(
        f"A worked entry: ${p}_{a}$ by ${z}_{b}$ with three classes",
        "With the sums written out for three classes, every term without the variable vanishes.",
        rows,
        aligned=rng.random() < 0.3,
    )
    return _maybe_wrong(chain, rng, wrong)


def _maybe_wrong(chain: Chain, rng: random.Random, mistakes: dict[int, str]) -> Chain:
    if rng.random() < WRONG_RATE:
        row = rng.choice(sorted(mistakes))
        chain.rows[row] = mistakes[row]
        chain.wrong.add(row)
    return chain


TEMPLATES = (
    "loss by probability",
    "total by logit",
    "diagonal",
    "off-diagonal",
    "log-softmax",
    "shifted",
    "scaled",
    "chain rule",
    "worked",
)


def _chain(template: str, theme: Theme, rng: random.Random) -> Chain:
    i, j = rng.sample(INDICES, 2)
    if template == "loss by probability":
        return loss_by_probability(theme, i, rng.choice((1, rng.randint(2, 99))), rng)
    if template == "total by logit":
        return total_by_logit(theme, i, j, rng)
    if template == "diagonal":
        return diagonal(theme, i, rng, aligned=rng.random() < 0.3)
    if template == "off-diagonal":
        return off_diagonal(theme, i, j, rng, aligned=rng.random() < 0.3)
    if template == "log-softmax":
        return log_softmax(theme, i, rng)
    if template == "shifted":
        return shifted(theme, i, rng.randint(2, 12), rng)  # the reader takes powers up to 12
    if template == "scaled":
        return scaled(theme, i, rng.randint(2, 99), rng)
    if template == "chain rule":
        return chain_rule(theme, i, j, rng)
    return worked(theme, rng.randint(1, 3), rng.randint(1, 3), rng)


def _sections(rng: random.Random) -> Iterator[str | Chain]:
    """Endless parts, each a theme's definitions and then a few derivations in it.

    Yields a part's heading, then its chains.
    """
    introduced: set[Theme] = set()
    for part in itertools.count(1):
        theme = THEMES[(part - 1) % len(THEMES)]
        yield f"## Part {part}: softmax with logits ${theme.logits}$"
        # A theme seen before is sometimes restated in the same words: that is a step to check.
        if theme not in introduced or rng.random() < 0.3:
            yield from definitions(theme, rng.choice(INDICES))
            introduced.add(theme)
        for template in rng.sample(TEMPLATES, rng.randint(3, 5)):
            yield _chain(template, theme, rng)


def long_post(equations: int, seed: int = 0) -> str:
    """A Markdown post with exactly ``equations`` display equations, as ``derive check`` counts them.

    Each display (and each row of an ``aligned`` block) is one statement, so the checker's
    report has exactly ``equations`` findings: definitions (≔) and steps (✓, ✗, ?) together.
    """
    return long_post_with_mistakes(equations, seed)[0]


def long_post_with_mistakes(equations: int, seed: int = 0) -> tuple[str, list[int]]:
    """:func:`long_post`, and the lines of the equations that were made wrong on purpose."""
    rng = random.Random(seed)
    lines = [
        "---",
        'title: "Softmax and cross-entropy, worked through many times"',
        "math: true",
        "---",
        "",
        "Lecture notes on the gradient of the cross-entropy loss through a softmax. There are $N$"
        " classes, and the labels $y$ are one-hot: exactly one entry is 1, so they sum to one.",
        "",
    ]
    mistakes: list[int] = []
    left = equations
    for section in _sections(rng):
        if left <= 0:
            break
        if isinstance(section, str):
            lines += [section, ""]
            continue
        take = min(left, len(section.rows))
        part, wrong = section.markdown(take)
        mistakes += [len(lines) + 1 + offset for offset in wrong]
        lines += part
        left -= take
    return "\n".join(lines) + "\n", mistakes


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or not all(a.isdigit() for a in argv[1:]):
        print("usage: python bench/posts.py EQUATIONS [SEED] > post.md", file=sys.stderr)
        return 2
    sys.stdout.write(long_post(int(argv[1]), int(argv[2]) if len(argv) == 3 else 0))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
