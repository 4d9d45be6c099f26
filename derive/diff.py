"""``derive diff EXPR --wrt VAR``: a user's expression made a derivation at run time.

The LaTeX is read by derive's own reader (:func:`derive.read_latex`), never by ``eval`` or
``sympify``; the named activations it knows (σ, softplus, ReLU, GELU, Φ) become functions
with a definition the verifier unfolds. :func:`build` returns a
:class:`~derive.document.Document` and :func:`derivation` a
:class:`~derive.derivations.Derivation` around it, which go through prove → publish like
every derivation of the catalogue.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from sympy import (
    Add,
    Derivative,
    Dummy,
    Expr,
    Indexed,
    IndexedBase,
    Integer,
    Max,
    Mul,
    Pow,
    Rational,
    Sum,
    Symbol,
    UnevaluatedExpr,
    cancel,
    count_ops,
    erf,
    exp,
    factor,
    factor_terms,
    log,
    nan,
    oo,
    pi,
    zoo,
)
from sympy.core.function import AppliedUndef

from derive.algebra import Context, Definition
from derive.derivations import Derivation
from derive.diff_rules import (
    DerivativeNotKnown,
    Phi,
    gelu,
    gelu_definition,
    phi,
    relu,
    sigma,
    softplus,
)
from derive.document import Document
from derive.errors import InvalidParameter
from derive.flatten import Flattener, presentable
from derive.steps import Chain, kept_product, kept_quotient, kept_sum
from derive.verify import Verifier

TEMPLATE = "diff.j2"
#: The reader's names of the activations derive knows, and the functions they become.
NAMED_FUNCTIONS = {
    "sigma": sigma,
    "σ": sigma,
    "softplus": softplus,
    "relu": relu,
    "ReLU": relu,
    "gelu": gelu,
    "GELU": gelu,
    "Phi": Phi,
    "Φ": Phi,
    "phi": phi,
    "φ": phi,
}
#: Letters for the argument of a definition (σ(u) = …), the first one the expression does not use.
_ARGUMENT_LETTERS = ("u", "t", "s", "v", "w")


def read_expression(tex: str) -> Expr:
    """``tex`` read into SymPy by derive's reader, with the named activations made functions."""
    from derive.check.reading import Unreadable, read_latex

    if not tex.strip():
        raise InvalidParameter("EXPR is empty: give a LaTeX expression such as 'x \\sigma(x)'")
    try:
        reading = read_latex(tex)
    except Unreadable as error:
        raise InvalidParameter(f"cannot read EXPR {tex!r}: {error}") from None
    first_error: DerivativeNotKnown | None = None
    # α(e^x − 1) may be α applied or a product: the first reading whose functions are known.
    for expr in reading.expressions:
        if not isinstance(expr, Expr):
            raise InvalidParameter(f"EXPR {tex!r} is a relation, not an expression to differentiate")
        if expr.has(zoo, nan, oo, -oo):
            raise InvalidParameter(f"EXPR {tex!r} is undefined (it divides by zero or is infinite)")
        try:
            return _with_named_functions(_greek_by_name(expr))
        except DerivativeNotKnown as error:
            first_error = first_error or error
    assert first_error is not None  # the reader gives at least one reading
    raise first_error


def _greek_by_name(expr: Expr) -> Expr:
    """γ read from the text is SymPy's ``gamma``, so that every printer writes \\gamma."""
    renamed = {}
    for symbol in expr.free_symbols:
        if isinstance(symbol, Symbol) and len(symbol.name) == 1 and not symbol.name.isascii():
            described = unicodedata.name(symbol.name, "")
            if described.startswith("GREEK "):
                letter = described.split()[-1].lower()
                letter = letter.capitalize() if "CAPITAL" in described else letter
                renamed[symbol] = Symbol(letter.replace("lamda", "lambda"), **symbol.assumptions0)
    return expr.xreplace(renamed)


def _named(call: AppliedUndef):
    return NAMED_FUNCTIONS.get(str(call.func))


def _with_named_functions(expr: Expr) -> Expr:
    """σ written out by the reader (1/(1 + e^{−u})) is σ(u) again; softplus(u) is derive's softplus."""

    def visit(node: Expr) -> Expr:
        if isinstance(node, Pow) and node.exp == -1 and isinstance(node.base, Add):
            terms = node.base.args
            if len(terms) == 2 and Integer(1) in terms:
                (other,) = [t for t in terms if t != 1]
                if isinstance(other, exp):
                    return sigma(visit(-other.args[0]))
        if isinstance(node, AppliedUndef):
            function = _named(node)
            if function is None:
                raise DerivativeNotKnown(
                    f"derive knows no rule for the derivative of {node.func}(…): "
                    "it knows σ, softplus, ReLU, GELU, Φ and the elementary functions"
                )
            return function(*[visit(a) for a in node.args])
        if not node.args or isinstance(node, Indexed):
            return node
        return node.func(*[visit(a) if isinstance(a, Expr) else a for a in node.args])

    return visit(expr)


def read_variable(tex: str, expr: Expr) -> Expr:
    """The variable ``tex`` (``x``, ``z_i``) as the expression spells it, or an error saying why."""
    from derive.check.reading import Unreadable, read_latex

    try:
        (variable, *_) = read_latex(tex).expressions
        variable = _greek_by_name(variable)
    except Unreadable as error:
        raise InvalidParameter(f"cannot read --wrt {tex!r}: {error}") from None
    if isinstance(variable, Symbol):
        match = next(
            (s for s in expr.free_symbols if isinstance(s, Symbol) and s.name == variable.name), None
        )
        if match is not None and not any(
            isinstance(a, Indexed) and a.base.label == match for a in expr.atoms(Indexed)
        ):
            return match
        if any(a.base.label.name == variable.name for a in expr.atoms(Indexed)):
            raise InvalidParameter(
                f"--wrt {tex!r} names the whole family {variable.name}; "
                f"give one entry, such as {variable.name}_i"
            )
    elif isinstance(variable, Indexed) and len(variable.indices) == 1:
        family = [a for a in expr.atoms(Indexed) if a.base.label.name == variable.base.label.name]
        if family:
            return Indexed(family[0].base, *variable.indices)
    else:
        raise InvalidParameter(
            f"--wrt {tex!r} is not a variable: give a letter such as x or an entry such as z_i"
        )
    raise InvalidParameter(f"--wrt {tex!r}: the variable does not occur in the expression")


@dataclass(frozen=True)
class Problem:
    """What to differentiate: the expression, by which variable, and the name of the function."""

    expr: Expr
    variable: Expr
    name: Symbol
    title: str | None = None
    #: The variable as the user typed it, for the title.
    variable_text: str = "x"
    #: Whether a notation may rename the letters (only when the user asked for one).
    roles: bool = False

    @property
    def slug(self) -> str:
        """A file name for the post: ``diff-`` and a short hash of the problem."""
        text = f"{self.expr!r}|{self.variable!r}|{self.name}"
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        readable = re.sub(r"[^a-z0-9]+", "-", str(self.name).lower()).strip("-") or "f"
        return f"diff-{readable}-{digest}"


def problem(tex: str, wrt: str, name: str = "f", title: str | None = None, *, roles: bool = False) -> Problem:
    """Read ``tex`` and ``wrt``; an error says why when either cannot be used."""
    expr = read_expression(tex)
    variable = read_variable(wrt, expr)
    if not re.fullmatch(r"[A-Za-z]", name):
        raise InvalidParameter(f"--name {name!r} must be one Latin letter, such as f, L or J")
    symbol = Symbol(name)
    if any(str(s) == name for s in expr.free_symbols | {a.base.label for a in expr.atoms(Indexed)}):
        raise InvalidParameter(f"--name {name!r} is already a letter of the expression; choose another")
    return Problem(expr, variable, symbol, title, wrt.strip(), roles)


def _argument(expr: Expr) -> Symbol:
    used = {str(s) for s in expr.free_symbols}
    return Symbol(next(letter for letter in _ARGUMENT_LETTERS if letter not in used))


def named_functions(u: Symbol) -> list[tuple[Expr, Expr]]:
    """Every named function derive knows, at ``u``, with its definition: ``(σ(u), 1/(1 + e^{−u}))``."""
    root_two, root_two_pi = (UnevaluatedExpr(Pow(a, Rational(1, 2), evaluate=False)) for a in (2, 2 * pi))
    return [
        (sigma(u), kept_quotient(1, kept_sum(1, exp(-u)))),
        (softplus(u), log(kept_sum(1, exp(u)))),
        (relu(u), Max(0, u)),
        (gelu(u), gelu_definition(u)),
        (Phi(u), kept_product(Rational(1, 2), kept_sum(1, erf(kept_quotient(u, root_two))))),
        (phi(u), kept_quotient(exp(-(u**2) / 2), root_two_pi)),
    ]


def _function_definitions(expr: Expr, u: Symbol) -> list[tuple[Expr, Expr]]:
    """The definitions of the named functions ``expr`` uses, and of those their rules bring in."""
    used = {type(call) for call in expr.atoms(AppliedUndef)}
    # A derivative brings in the functions of its rule: softplus′ = σ, GELU = u Φ(u), Φ′ = φ.
    for function, brings in ((softplus, sigma), (gelu, Phi), (Phi, phi)):
        if function in used:
            used.add(brings)
    return [(name, body) for name, body in named_functions(u) if type(name) in used]


def _sizes(expr: Expr) -> Expr | None:
    uppers = {limits[2] for s in expr.atoms(Sum) for limits in s.limits}
    symbolic = [u for u in uppers if isinstance(u, Symbol)]
    return symbolic[0] if len(symbolic) == 1 else None


@dataclass(frozen=True)
class SoftmaxForm:
    """The result written with the softmax p_k = e^{z_k}/Σ_m e^{z_m} of the family z."""

    definition: Definition
    result: Expr
    probs: Symbol


def softmax_form(expr: Expr, result: Expr, x: Expr) -> SoftmaxForm | None:
    """``result`` with p for the softmax, when ``expr`` has Σ_k e^{z_k} and the result is
    a function of the p_k alone (the sum cancels): p_i (δ_ij − p_j), or p_i for the log-sum-exp."""
    if not isinstance(x, Indexed):
        return None
    family = x.base
    sums = [
        s
        for s in expr.atoms(Sum)
        if len(s.limits) == 1
        and s.function == exp(family[s.limits[0][0]])
        and s.limits[0][1] == 1
        and isinstance(s.limits[0][2], Symbol)
    ]
    if len(sums) != 1:
        return None
    (total,) = sums
    k = total.limits[0][0]
    used = {str(a) for a in expr.free_symbols} | {str(a.base.label) for a in expr.atoms(Indexed)}
    letter = next((c for c in ("p", "q", "s") if c not in used), None)
    if letter is None:
        return None
    probs = IndexedBase(Symbol(letter))
    held = Dummy("S")
    plain = _plain(result).xreplace({total: held})
    entries = {e: probs[e.args[0].indices[0]] * held for e in plain.atoms(exp) if _entry_of(e, family)}
    if not entries:
        return None
    written = cancel(plain.xreplace(entries))
    if written.has(held) or written.has(family):
        return None
    candidates = [written, factor(written), factor_terms(written)]
    best = min(candidates, key=lambda e: (count_ops(e), len(str(e))))
    # The family's index and the sum's must differ when shown: p_k = e^{z_k}/Σ_m e^{z_m}.
    m = next(Symbol(c, integer=True, positive=True) for c in "mnljk" if c not in used and c != str(k))
    shown = Sum(exp(family[m]), (m, 1, total.limits[0][2]))
    definition = Definition(probs[k], kept_quotient(exp(family[k]), shown))
    return SoftmaxForm(definition, presentable(best), probs.label)


def sigmoid_form(result: Expr) -> Expr | None:
    """``result`` with σ(a) for e^a/(1 + e^a) and for 1/(1 + e^{−a}), or None if it has neither."""

    def is_denominator(factor: Expr) -> bool:
        return (
            isinstance(factor, Pow)
            and factor.exp == -1
            and isinstance(factor.base, Add)
            and len(factor.base.args) == 2
            and Integer(1) in factor.base.args
            and any(isinstance(term, exp) for term in factor.base.args)
        )

    def rewritten(product: Expr) -> Expr:
        factors = list(Mul.make_args(product))
        denominator = next(f for f in factors if is_denominator(f))
        (power,) = [t for t in denominator.base.args if t != 1]
        factors.remove(denominator)
        if power in factors:  # e^a/(1 + e^a) = σ(a)
            factors.remove(power)
            return Mul(sigma(power.args[0]), *factors)
        return Mul(sigma(-power.args[0]), *factors)  # 1/(1 + e^{−a}) = σ(a)

    def visit(node: Expr) -> Expr:
        # Outermost first: e^a/(1 + e^a) is one product, not e^a times σ(−a).
        if (isinstance(node, Mul) and any(is_denominator(f) for f in node.args)) or is_denominator(node):
            node = rewritten(node)
        if not node.args or not all(isinstance(a, Expr) for a in node.args) or isinstance(node, Indexed):
            return node
        return node.func(*[visit(a) for a in node.args])

    plain = _plain(result)
    written = visit(plain)
    return presentable(written) if written != plain else None


def _entry_of(e: Expr, family: IndexedBase) -> bool:
    return isinstance(e.args[0], Indexed) and e.args[0].base == family and len(e.args[0].indices) == 1


def _plain(expr: Expr) -> Expr:
    """The expression with SymPy's own evaluation of sums and products."""
    if not expr.args or not all(isinstance(a, Expr) for a in expr.args) or isinstance(expr, Indexed):
        return expr
    return expr.func(*[_plain(a) for a in expr.args])


def build(spec: Problem) -> Document:
    """The document: the definitions, side chains for inner derivatives, and the main chain."""
    expr, x, f = spec.expr, spec.variable, spec.name
    u = _argument(expr)
    functions = _function_definitions(expr, u)
    size = _sizes(expr)
    definitions = [Definition(f, expr), *(Definition(name, body) for name, body in functions)]
    verifier = Verifier(Context(tuple(definitions), size))
    chains = [
        Chain(f"define-{i}", name, verifier).equals(body, "definition")
        for i, (name, body) in enumerate(functions, 1)
    ]
    chains.append(Chain("function", f, verifier).equals(expr, "definition"))
    flattener = Flattener(verifier)
    main = flattener.chain("derivative", Derivative(f, x), Derivative(expr, x), "definition of the function")
    chains += [*flattener.side_chains, main]
    softmax = softmax_form(expr, main.last, x)
    probs = None
    if softmax is not None:
        # The softmax is known from here on; the chains above are proven without it.
        verifier = Verifier(Context((*definitions, softmax.definition), size))
        name, body = softmax.definition.name, softmax.definition.expression
        chains.append(Chain("softmax", name, verifier).equals(body, "definition"))
        conventional = Chain("conventional", Derivative(f, x), verifier)
        chains.append(conventional.equals(softmax.result, "written with the softmax p"))
        flattener.rules["conventional"] = [["written with the softmax p"]]
        probs = softmax.probs
    elif (with_sigmoid := sigmoid_form(main.last)) is not None:
        if not any(isinstance(d.name, sigma) for d in definitions):
            ((name, body),) = [(n, b) for n, b in named_functions(u) if isinstance(n, sigma)]
            definitions.append(Definition(name, body))
            verifier = Verifier(Context(tuple(definitions), size))
            chains.append(Chain("sigmoid", name, verifier).equals(body, "definition"))
        conventional = Chain("conventional", Derivative(f, x), verifier)
        chains.append(conventional.equals(with_sigmoid, "written with the sigmoid"))
        flattener.rules["conventional"] = [["written with the sigmoid"]]
    kinds = {chain.name: "definition" for chain in chains[: len(functions)]}
    kinds |= {"function": "function", "derivative": "derivative"}
    kinds |= {chain.name: "inner" for chain in flattener.side_chains}
    kinds |= {"softmax": "softmax", "sigmoid": "sigmoid", "conventional": "conventional"}
    return Document(
        derivation=spec.slug,
        roles=_roles(expr, x, size, probs) if spec.roles else {},
        chains=tuple(chains),
        math={"f": f, "x": x, "expr": expr, "result": main.last, "derivative": Derivative(f, x)},
        data={
            "kinds": kinds,
            "rules": flattener.rules,
            "title": spec.title or "",
            "name": str(f),
            "variable": spec.variable_text,
            "conditions": bool(expr.atoms(relu)),
            "first_definition": "define-1",
        },
    )


def _roles(expr: Expr, x: Expr, size: Expr | None, probs: Symbol | None) -> dict[str, Symbol]:
    """The letters a notation may rename: the family differentiated by, the softmax, the class count."""
    roles: dict[str, Symbol] = {"probs": probs} if probs is not None else {}
    if isinstance(x, Indexed):
        roles["logits"] = x.base.label
    if size is not None:
        roles["classes"] = size
    return roles


def derivation(spec: Problem) -> Derivation:
    """A :class:`Derivation` built at run time; its one "n" is unused and fixed at 1."""
    document = build(spec)
    return Derivation(
        name=spec.slug,
        summary=f"∂{spec.name}/∂{spec.variable}",
        build=lambda n: document,
        template=TEMPLATE,
        default_n=1,
        min_n=1,
        max_n=1,
    )


__all__ = [
    "Problem",
    "build",
    "derivation",
    "named_functions",
    "problem",
    "read_expression",
    "read_variable",
]
