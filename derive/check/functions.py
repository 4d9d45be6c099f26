"""The reader's rules for functions: ``\\log x``, ``\\sin^2 x``, ``\\max(a, b)``, ``\\sqrt[n]{x}``,
``softmax(z)_i``, and what an unbracketed argument takes in."""

from __future__ import annotations

from sympy import E, Expr, Indexed, IndexedBase, Integer, MatrixBase, Sum, Symbol, exp, log, root, sqrt
from sympy.matrices.expressions import MatrixSymbol

from derive.check import grammar
from derive.check.build import derivative_at, power_of, product_of
from derive.check.tokens import Unreadable


class FunctionRules:
    """Functions, read by :class:`~derive.check.reader.Reader`."""

    def named_function(self, name: str) -> Expr:
        """``\\log x``, ``\\log_2 x``, ``\\sin^2 x``, ``\\tanh'(x)``, ``\\max(a, b)``, ``softmax(z)``."""
        base = power = None
        primes = 0
        while True:
            if self.at("char", "_") and base is None:
                self.take()
                base = self.script()
            elif self.at("char", "^") and power is None:
                self.take()
                power = self.script()
            elif self.at("char", "'"):
                self.take()
                primes += 1
            else:
                break
        if base is not None and name not in ("log",):
            raise Unreadable(f"\\{name} with a subscript")
        if name in grammar.VARIADIC:
            if not self.at("char", "("):
                raise Unreadable(f"\\{name} without its arguments in brackets")
            arguments, conditional = self._arguments()
            if conditional:
                raise Unreadable(f"a bar | inside \\{name}(…)")
            value = grammar.VARIADIC[name](*arguments)
        else:
            argument = self.function_argument()
            if name == grammar.SOFTMAX:
                value = self.softmax(self._softmax_entry(argument))
            elif name in grammar.LOG_SUM_EXP and not primes:
                value = self.log_sum_exp(name, argument)
            elif base is not None:
                value = log(argument) if base in (E, Symbol("e")) else log(argument, base)
            else:
                value = derivative_at(grammar.FUNCTIONS[name], argument, primes)
                if power == -1 and name in grammar.INVERSES:
                    # \sin^{-1} x: the inverse function, or one over the sine.
                    what = f"\\{name}^{{-1}}"
                    if self.choices.choose(("the inverse function", "the reciprocal"), what) == 0:
                        return derivative_at(grammar.FUNCTIONS[grammar.INVERSES[name]], argument, primes)
        return power_of(value, power) if power is not None else value

    def function_argument(self) -> Expr:
        """A bracketed argument, or one factor; ``\\log x y`` is log(xy) or log(x)·y."""
        if self.at("char", "(") or self.at("char", "["):
            self.take()
            return self.bracketed()
        bracketed = self._braced_brackets()
        if bracketed is not None:
            return bracketed
        if self.at_command(("sum", "prod")):
            return self.big_operator()  # \log \sum_k e^{z_k}: the sum is the whole argument
        argument = self.factor()
        if self._juxtaposed_factor_follows():
            start = self.position
            pick = self.choices.choose(
                ("the whole product", "its first factor"), "the argument of a function"
            )
            if pick == 0:
                while self._juxtaposed_factor_follows():
                    argument = product_of(argument, self.factor())
            else:
                self.position = start
        return argument

    def _juxtaposed_factor_follows(self) -> bool:
        if self._term_ends():
            return False
        token = self.peek()
        if token.kind == "cmd":
            return not (
                token.text in grammar.PRODUCT
                or token.text in grammar.FUNCTIONS
                or token.text in ("sum", "prod", "frac", "dfrac", "tfrac", "partial", "nabla")
            )
        return not (token.kind == "char" and token.text in ("*", "/", "^", "_", "'"))

    def _braced_brackets(self) -> Expr | None:
        """``{(x)}`` or ``{\\left(x \\right)}`` as a whole argument, else None (nothing is taken).

        SymPy writes (log x)² as ``\\log{\\left(x \\right)}^{2}``, which shows as log(x)², so
        a power after the braces is the function's, as in ``\\log(x)^2``; ``\\log{x}^2`` shows
        as log x², so there the power stays the argument's, as in ``\\log x^2``.
        """
        if not (self.at("char", "{") and (self.at("char", "(", 1) or self.at("char", "[", 1))):
            return None
        start = self.position
        self.position += 2
        value = self.bracketed()
        if self.at("char", "}"):
            self.take()
            return value
        self.position = start  # {(a)(b)} or {(a) + b}: an ordinary group, read by factor
        return None

    def _softmax_entry(self, argument):
        """``softmax(\\mathbf{z})_i``: entry i of the softmax of the vector z is read at z_i."""
        if not self.at("char", "_"):
            return argument
        self.take()
        indices = self.subscript()
        if len(indices) != 1 or not isinstance(argument, (MatrixSymbol, Symbol)):
            raise Unreadable("an entry of the softmax of something that is not a vector")
        return Indexed(IndexedBase(argument.name), indices[0])

    def softmax(self, argument) -> Expr:
        size = self.letters.size
        if isinstance(argument, MatrixBase):
            entries = list(argument)
            total = sum((exp(e) for e in entries), Integer(0))
            return argument.applyfunc(lambda e: exp(e) / total)
        if isinstance(argument, Indexed) and len(argument.indices) == 1:
            bound = Symbol("softmax_k", integer=True, positive=True)
            return exp(argument) / Sum(exp(argument.base[bound]), (bound, 1, size))
        raise Unreadable("softmax of something other than a vector or one of its entries")

    def log_sum_exp(self, name: str, argument) -> Expr:
        """``LSE(z)``: log Σ_k e^{z_k} over the entries of the vector z."""
        if isinstance(argument, MatrixBase) and argument.shape[1] == 1:
            return log(sum((exp(entry) for entry in argument), Integer(0)))
        if not isinstance(argument, (Symbol, MatrixSymbol)) or getattr(argument, "is_integer", False):
            raise Unreadable(f"{name} of something other than a vector")
        self.choices.settle(
            f"{name}({argument.name}) read as log Σ_k e^{{{argument.name}_k}}, the log-sum-exp"
        )
        bound = Symbol("lse_k", integer=True, positive=True)
        family = IndexedBase(argument.name)
        return log(Sum(exp(family[bound]), (bound, 1, self.letters.size)))

    def square_root(self) -> Expr:
        degree = None
        if self.at("char", "["):
            self.take()
            tokens = []
            while not self.at("char", "]"):
                tokens.append(self.take())
            self.take()
            degree = self._whole(tokens)
        radicand = self.group() if self.at("char", "{") else self.factor()
        return sqrt(radicand) if degree is None else root(radicand, degree)
