"""The output layer of a recurrent network: ∂L/∂V = Σ_τ (p_τ − y_τ) h_τᵀ.

A simple RNN reads inputs x_τ into hidden states h_τ = tanh(W h_{τ−1} + U x_τ); its output
layer gives logits z_τ = V h_τ, probabilities p_τ = softmax(z_τ), and the loss L = Σ_τ L_τ
with L_τ the cross-entropy at step τ. The hidden states do not depend on V, so through z_τ
softmax-ce's result ∂L_τ/∂z_τ = p_τ − y_τ gives ∂L/∂V_ij = Σ_τ (p_τi − y_τi) h_τj, and in
matrix form ∂L/∂V = Σ_τ (p_τ − y_τ) h_τᵀ.

The worked example is the one of the lecture this derivation follows: its W, U, V and h_0,
with the one-hot inputs inferred from its hidden states. It is proven exactly for T steps,
and computed in floating point beside a finite-difference gradient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sympy import (
    Derivative,
    Eq,
    Expr,
    Float,
    ImmutableMatrix,
    IndexedBase,
    Integer,
    KroneckerDelta,
    Matrix,
    Sum,
    Symbol,
    exp,
    log,
    symbols,
    sympify,
    tanh,
)
from sympy.matrices.expressions import MatAdd, MatMul, MatrixSymbol, Transpose

from derive.algebra import Context, Definition
from derive.derivations.softmax_ce import RESULT, L, N, i, j, k, p, y, z
from derive.document import Document
from derive.matrices import Gradient, IndexedVector, MatrixSum
from derive.numeric import STEP, softmax
from derive.steps import (
    Chain,
    ChainRule,
    DropZeros,
    EvaluateDerivatives,
    Linearity,
    OnlyMatchingTerm,
    Substitute,
    kept_product,
    kept_quotient,
    kept_sum,
)
from derive.verify import ForEach, Verifier

#: Time steps, hidden units and input size (the words of the vocabulary).
T, H, M = symbols("T H M", integer=True, positive=True)
tau = Symbol("tau", integer=True, positive=True)
m = Symbol("m", integer=True, positive=True)
h, V, x, step_loss = IndexedBase("h"), IndexedBase("V"), IndexedBase("x"), IndexedBase("L")
weights = MatrixSymbol("V", N, H)


def vectors(step: Expr) -> tuple[IndexedVector, IndexedVector, IndexedVector]:
    """p_τ, y_τ and h_τ: the probabilities, labels and hidden state of step τ."""
    return IndexedVector(p, step, N), IndexedVector(y, step, N), IndexedVector(h, step, H)


def _outer(step: Expr):
    """(p_τ − y_τ) h_τᵀ, the gradient of one step's loss."""
    probabilities, labels, hidden = vectors(step)
    return MatMul(MatAdd(probabilities, -labels, evaluate=False), Transpose(hidden), evaluate=False)


#: ∂L/∂V = Σ_τ (p_τ − y_τ) h_τᵀ, given that the labels of every step sum to 1.
RESULT_MATRIX = Eq(Gradient(L, weights), MatrixSum(_outer(tau), (tau, 1, T)), evaluate=False)
#: The labels of one step sum to one; unevaluated, as SymPy cannot decide it.
STEP_LABELS_SUM_TO_ONE = Eq(Sum(y[tau, k], (k, 1, N)), 1, evaluate=False)
#: The labels of every step sum to one: what the result needs.
LABELS_SUM_TO_ONE = ForEach(STEP_LABELS_SUM_TO_ONE, (tau, 1, T))


def context(steps, classes, hidden) -> Context:
    """L = Σ_τ L_τ, the cross-entropy L_τ, the softmax p_τ and the output layer z_τ = V h_τ.

    The hidden states h_τ have no definition here: they depend on W, U, x and h_0, never on V,
    so for ∂/∂V they are variables like any other. Time steps and hidden units run over their
    own ranges; i and k run over the classes.
    """
    steps, classes, hidden = (sympify(size) for size in (steps, classes, hidden))
    return Context(
        (
            Definition(L, Sum(step_loss[tau], (tau, 1, steps))),
            Definition(step_loss[tau], -Sum(y[tau, k] * log(p[tau, k]), (k, 1, classes))),
            Definition(p[tau, i], exp(z[tau, i]) / Sum(exp(z[tau, k]), (k, 1, classes))),
            Definition(z[tau, i], Sum(V[i, m] * h[tau, m], (m, 1, hidden))),
        ),
        classes,
        ((j, hidden), (tau, steps)),
    )


def build(n: int) -> Document:
    """The general derivation for T steps, N classes and H hidden units; the lecture's example
    over ``n`` time steps."""
    general = Verifier(context(T, N, H))
    example = lecture_example(n)
    chains = _setup(general) + _step_gradient(general) + _sum_over_steps(general)
    chains += _worked_example(Verifier(context(n, CLASSES, HIDDEN)), example)
    return Document(
        derivation="rnn-output",
        chains=chains,
        roles={"logits": z.label, "probs": p.label, "labels": y.label, "classes": N},
        math={
            "L_tau": step_loss[tau],
            "T": T,
            "N": N,
            "H": H,
            "n": Integer(n),
            "tau": tau,
            "V": weights,
            "h_tau": IndexedVector(h, tau, H),
            "recurrence": _recurrence(tau),
            "x_tau": IndexedVector(x, tau, M),
            "W": MatrixSymbol("W", H, H),
            "U": MatrixSymbol("U", H, M),
            "z_tau_i": z[tau, i],
            "p_tau_i": p[tau, i],
            "y_tau_i": y[tau, i],
            "hidden_units": Integer(HIDDEN),
            "words": Integer(CLASSES),
            "sum_y": STEP_LABELS_SUM_TO_ONE,
            # softmax-ce's result, with p_i − y_i in the order a reader writes it.
            "softmax_ce_result": Eq(RESULT.lhs, kept_sum(p[i], -y[i]), evaluate=False),
            **_lecture_math(example),
        },
        data={"forward": example.forward, "gradient": example.gradient, "step": STEP},
    )


def _recurrence(step: Expr) -> Expr:
    """tanh(W h_{τ−1} + U x_τ): the model's hidden state, named in the prose but never needed by a
    proof, since it does not involve V. The example computes it in floating point."""
    previous, current = IndexedVector(h, kept_sum(step, -1), H), IndexedVector(x, step, M)
    recurrent, input_weights = MatrixSymbol("W", H, H), MatrixSymbol("U", H, M)
    return tanh(MatAdd(MatMul(recurrent, previous), MatMul(input_weights, current)))


def _setup(verifier: Verifier) -> tuple[Chain, ...]:
    output = Chain("output-layer", z[tau, i], verifier).equals(
        Sum(V[i, m] * h[tau, m], (m, 1, H)), "definition of the output layer"
    )
    probabilities = Chain("softmax", p[tau, i], verifier).equals(
        kept_quotient(exp(z[tau, i]), Sum(exp(z[tau, k]), (k, 1, N))), "definition of the softmax"
    )
    step = Chain("step-loss", step_loss[tau], verifier).equals(
        -Sum(y[tau, k] * log(p[tau, k]), (k, 1, N)), "definition of the cross-entropy loss"
    )
    total = Chain("loss", L, verifier).equals(Sum(step_loss[tau], (tau, 1, T)), "the losses of all steps")
    claim = Chain("claim", RESULT_MATRIX.lhs, verifier).equals(
        RESULT_MATRIX.rhs, "the result, proven step by step below", conditions=(LABELS_SUM_TO_ONE,)
    )
    return output, probabilities, step, total, claim


def _at_step(expr: Expr) -> Expr:
    """softmax-ce's statement about one example, at time step τ: z_i → z_τi, p_i → p_τi, …"""
    return expr.xreplace({z[i]: z[tau, i], p[i]: p[tau, i], y[i]: y[tau, i], L: step_loss[tau]})


def _step_gradient(verifier: Verifier) -> tuple[Chain, ...]:
    labels_sum = (STEP_LABELS_SUM_TO_ONE,)
    gradient = kept_sum(p[tau, i], -y[tau, i])
    if gradient.doit() != _at_step(RESULT.rhs):
        raise AssertionError("softmax-ce's result, written p_τi − y_τi, is no longer its result")
    softmax_ce = Chain("step-softmax-ce", _at_step(RESULT.lhs), verifier).equals(
        gradient, "softmax-ce's result at step τ", conditions=labels_sum
    )
    output = (
        Chain("output-derivative", Derivative(z[tau, k], V[i, j]), verifier)
        .then(
            Substitute(((z[tau, k], Sum(V[k, m] * h[tau, m], (m, 1, H))),), "definition of the output layer")
        )
        .then(Linearity(name="h_τ does not depend on V"))
        .then(EvaluateDerivatives(verifier, name="∂V_km/∂V_ij is 1 for k = i and m = j, and 0 otherwise"))
        .then(OnlyMatchingTerm(j, "only the term m = j is left"))
    )
    through = {
        Derivative(step_loss[tau], z[tau, k]): kept_sum(p[tau, k], -y[tau, k]),
        Derivative(z[tau, k], V[i, j]): kept_product(KroneckerDelta(i, k), h[tau, j]),
    }
    chain_rule = (
        Chain("step-chain-rule", Derivative(step_loss[tau], V[i, j]), verifier)
        .then(ChainRule(z[tau, k], k, N, name="chain rule through the logits z_τ"))
        .then(Substitute(tuple(through.items()), "the derivatives found above"), conditions=labels_sum)
        .then(OnlyMatchingTerm(i, "only the term k = i is left"))
    )
    return softmax_ce, output, chain_rule


def _sum_over_steps(verifier: Verifier) -> tuple[Chain, ...]:
    step_gradient = kept_product(kept_sum(p[tau, i], -y[tau, i]), h[tau, j])
    entry = (
        Chain("sum-over-steps", Derivative(L, V[i, j]), verifier)
        .equals(Derivative(Sum(step_loss[tau], (tau, 1, T)), V[i, j]), "L is the sum of the step losses")
        .equals(
            Sum(Derivative(step_loss[tau], V[i, j]), (tau, 1, T)),
            "the derivative of a sum is the sum of the derivatives",
        )
        .equals(Sum(step_gradient, (tau, 1, T)), "the gradient of each step", conditions=(LABELS_SUM_TO_ONE,))
    )
    matrix = Chain("matrix-form", RESULT_MATRIX.lhs, verifier).equals(
        RESULT_MATRIX.rhs, "entry (i, j) is the sum above", conditions=(LABELS_SUM_TO_ONE,)
    )
    return entry, matrix


# -- the lecture's example -----------------------------------------------------------------

#: The lecture's network: 2 hidden units and a vocabulary of 3 words, which are also the classes.
HIDDEN, CLASSES = 2, 3
RECURRENT_WEIGHTS = ((-0.011, 0.13), (-0.123, 0.014))
INPUT_WEIGHTS = ((0.094, -0.02, 0.135), (0.135, -0.069, -0.009))
OUTPUT_WEIGHTS = ((-0.141, 0.038), (0.056, -0.105), (-0.132, 0.14))
INITIAL_STATE = (0.0, 0.0)
#: The hidden states h_1 and h_2 as the lecture prints them, twice and differently. They are
#: used only to infer the inputs, which the lecture does not print; every value shown is
#: computed from the weights and those inputs.
PRINTED_STATES = (((0.094, 0.341), (0.15, -0.022)), ((0.094, 0.135), (0.15, 0.01)))


def _step(state: tuple[float, ...], word: int) -> tuple[float, ...]:
    """h_τ = tanh(W h_{τ−1} + U x_τ) with x_τ the one-hot vector of ``word`` (counted from 1)."""
    return tuple(
        math.tanh(sum(w * s for w, s in zip(row, state, strict=True)) + inputs[word - 1])
        for row, inputs in zip(RECURRENT_WEIGHTS, INPUT_WEIGHTS, strict=True)
    )


def infer_inputs() -> tuple[int, int]:
    """The words x_1, x_2 whose hidden states are nearest the printed ones, for both printings.

    Each printing of the lecture is matched on its own; both must point to the same words.
    """
    found = set()
    for printed in PRINTED_STATES:
        state, words = INITIAL_STATE, []
        for target in printed:
            word = min(
                range(1, CLASSES + 1),
                key=lambda w, state=state, target=target: math.dist(_step(state, w), target),
            )
            words.append(word)
            state = _step(state, word)
        found.add(tuple(words))
    (inputs,) = found
    return inputs


@dataclass(frozen=True)
class ForwardStep:
    """One time step of the lecture's network, in floating point."""

    index: int
    word: int
    hidden: tuple[float, ...]
    logits: tuple[float, ...]
    probabilities: tuple[float, ...]
    target: int

    @property
    def cells(self) -> tuple[str, ...]:
        """The row as printed in the post: the lecture's three decimals."""
        return (
            str(self.index),
            _vector(_one_hot(self.word), "d"),
            _vector(self.hidden),
            _vector(self.logits),
            _vector(self.probabilities),
            _vector(_one_hot(self.target), "d"),
        )


@dataclass(frozen=True)
class GradientEntry:
    """∂L/∂V_ij by the formula and by a central finite difference of the loss."""

    row: int
    col: int
    formula: float
    finite_difference: float

    @property
    def cells(self) -> tuple[str, ...]:
        difference = abs(self.formula - self.finite_difference)
        return (
            f"({self.row}, {self.col})",
            f"{self.formula:.6f}",
            f"{self.finite_difference:.6f}",
            f"{difference:.1e}",
        )


@dataclass(frozen=True)
class LectureExample:
    """The lecture's network run over a sequence: its inputs, every step, and ∂L/∂V."""

    inputs: tuple[int, ...]
    forward: tuple[ForwardStep, ...]
    gradient: tuple[GradientEntry, ...]


def _one_hot(word: int) -> tuple[int, ...]:
    return tuple(int(c == word) for c in range(1, CLASSES + 1))


def _vector(values, spec: str = ".3f") -> str:
    return "(" + ", ".join(f"{v:{spec}}" for v in values) + ")"


def lecture_example(steps: int) -> LectureExample:
    """The lecture's network over ``steps`` steps: the inferred inputs repeated in turn, and as
    target of each step the next input (the word after the last is the first again)."""
    pair = infer_inputs()
    words = [pair[t % 2] for t in range(steps + 1)]
    inputs, targets = words[:-1], words[1:]
    states, state = [], INITIAL_STATE
    for word in inputs:
        state = _step(state, word)
        states.append(state)

    def loss(output_weights) -> float:
        return -sum(
            math.log(softmax(_times(output_weights, s))[target - 1])
            for s, target in zip(states, targets, strict=True)
        )

    forward = []
    for index, (word, s, target) in enumerate(zip(inputs, states, targets, strict=True), start=1):
        logits = _times(OUTPUT_WEIGHTS, s)
        forward.append(ForwardStep(index, word, s, logits, tuple(softmax(logits)), target))
    gradient = []
    for a in range(CLASSES):
        for b in range(HIDDEN):
            formula = sum((f.probabilities[a] - (f.target == a + 1)) * f.hidden[b] for f in forward)
            slope = (loss(_nudged(a, b, STEP)) - loss(_nudged(a, b, -STEP))) / (2 * STEP)
            gradient.append(GradientEntry(a + 1, b + 1, formula, slope))
    return LectureExample(tuple(inputs), tuple(forward), tuple(gradient))


def _times(matrix, vector) -> tuple[float, ...]:
    return tuple(sum(w * v for w, v in zip(row, vector, strict=True)) for row in matrix)


def _nudged(row: int, col: int, step: float):
    return tuple(
        tuple(w + step if (a, b) == (row, col) else w for b, w in enumerate(weights_row))
        for a, weights_row in enumerate(OUTPUT_WEIGHTS)
    )


def _lecture_math(example: LectureExample) -> dict[str, Expr]:
    """The lecture's weights and the inferred inputs and stated targets, for the prose."""

    def given(name: str, values) -> Eq:
        matrix = ImmutableMatrix([[Float(str(v)) for v in row] for row in values])
        return Eq(MatrixSymbol(name, *matrix.shape), matrix, evaluate=False)

    first, second = example.forward[0], example.forward[1]
    return {
        "W_value": given("W", RECURRENT_WEIGHTS),
        "U_value": given("U", INPUT_WEIGHTS),
        "V_value": given("V", OUTPUT_WEIGHTS),
        "h_0_value": Eq(
            IndexedVector(h, 0, HIDDEN), Matrix(INITIAL_STATE).applyfunc(Integer), evaluate=False
        ),
        "x_1_value": Eq(IndexedVector(x, 1, CLASSES), Matrix(_one_hot(first.word)), evaluate=False),
        "x_2_value": Eq(IndexedVector(x, 2, CLASSES), Matrix(_one_hot(second.word)), evaluate=False),
        "y_1_value": Eq(IndexedVector(y, 1, CLASSES), Matrix(_one_hot(first.target)), evaluate=False),
        "y_2_value": Eq(IndexedVector(y, 2, CLASSES), Matrix(_one_hot(second.target)), evaluate=False),
    }


def _worked_example(verifier: Verifier, example: LectureExample) -> tuple[Chain, ...]:
    """∂L/∂V written out for the lecture's 3 classes and 2 hidden units over its steps, then with
    the example's one-hot targets put in."""
    steps = len(example.forward)
    times = range(1, steps + 1)
    targets = {step.index: step.target for step in example.forward}

    def one_hot(t: int, a: int) -> Integer:
        return Integer(int(targets[t] == a))

    def entry(a: int, b: int, label=lambda t, a: y[t, a]) -> Expr:
        """Σ_τ (p_τa − y_τa) h_τb, written out; ``label`` gives y_τa (a symbol, or its value)."""
        return DropZeros().apply(
            kept_sum(*(kept_product(kept_sum(p[t, a], -label(t, a)), h[t, b]) for t in times))
        )

    every_step = ForEach(Eq(Sum(y[tau, k], (k, 1, CLASSES)), 1), (tau, 1, steps))
    stated = tuple(Eq(y[t, a], one_hot(t, a)) for t in times for a in range(1, CLASSES + 1))
    gradient = (
        Chain(
            "example-gradient",
            ImmutableMatrix(CLASSES, HIDDEN, lambda a, b: Derivative(L, V[a + 1, b + 1])),
            verifier,
        )
        .equals(
            ImmutableMatrix(CLASSES, HIDDEN, lambda a, b: entry(a + 1, b + 1)),
            f"the sum over the {steps} steps, entry by entry",
            conditions=(every_step,),
        )
        .equals(
            ImmutableMatrix(CLASSES, HIDDEN, lambda a, b: entry(a + 1, b + 1, one_hot)),
            "the one-hot targets",
            conditions=stated,
        )
    )
    return (gradient,)
