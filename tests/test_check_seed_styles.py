"""``derive check`` on softmax + cross-entropy posts written the way people really write them.

Four hand-written posts derive ∂L/∂z_i = p_i − y_i, each in a style of its own: a Hugo blog post
in English (front matter, ``\\tag{n}``, ``### Case $i = j$`` headings), a Korean lecture transcript
(o / ŷ / y, ``aligned`` and ``cases``), a Chinese note (a / s / t, conditions written inside the
formula) and a Japanese note (z / p / y, conditions written in the prose). The test shows:

* every unmutated post checks clean: each step ✓ (or ≔ for a definition), nothing ✗ or ?;
* a mistake injected into one step — a sign, an index, a power, a dropped term, the wrong case —
  is reported ✗ on the line it was made, and no other line is ✗ unless the checker says it only
  inherits (or restates) that mistake;
* with the sentence that says the labels are one-hot taken out, the step that needs Σ y = 1 is
  no longer ✓; with it in, the report names the line of that sentence.

No construct had to be avoided: every correct step of the four posts was proven as first
written. The cases that once failed stay as tests: a display equation written over several
source lines (the left-hand side of an ``aligned`` row on a line of its own, a row of ``cases``,
a long fraction broken after its numerator) is reported on the lines of the side that holds the
mistake; a wrong ``= …`` line under ``### Case $i \\neq j$`` that equals the value of the i = j
equation is not taken to continue that equation; and the line named for the one-hot sentence
is counted in the post itself.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pytest

from derive.check import check_text
from derive.check.findings import DEFINITION, NOTE, PROVEN, WRONG, Report

# -- the posts --------------------------------------------------------------------------------

HUGO_EN = r"""---
title: "Softmax and Cross-Entropy: The Gradient by Hand"
date: 2024-03-02
tags: ["machine learning", "calculus"]
draft: false
---

When a classifier ends in a softmax and is trained with cross-entropy, the gradient with
respect to the logits comes out remarkably clean. Let's derive it one step at a time.

## Setup

We have $N$ classes and a vector of logits $z$. The softmax turns them into probabilities:

$$
p_i = \frac{e^{z_i}}{\sum_{k=1}^{N} e^{z_k}} \tag{1}
$$

To keep things short, call the denominator

$$
S = \sum_{k=1}^{N} e^{z_k} \tag{2}
$$

The loss is the cross-entropy between the labels $y$ and the predictions $p$:

$$
L = -\sum_{k=1}^{N} y_k \log p_k \tag{3}
$$

## Derivative of the softmax

We need $\partial p_i / \partial z_j$. Since $p_i = e^{z_i}/S$ is a quotient, we use the
quotient rule, with $\partial S / \partial z_j = e^{z_j}$.

### Case $i = j$

$$
\frac{\partial p_i}{\partial z_i} = \frac{e^{z_i} S - e^{z_i} e^{z_i}}{S^2} \tag{4}
$$

$$
= \frac{e^{z_i}}{S} - \left( \frac{e^{z_i}}{S} \right)^2 \tag{5}
$$

$$
= p_i - p_i^2 = p_i (1 - p_i) \tag{6}
$$

### Case $i \neq j$

Now the numerator $e^{z_i}$ does not depend on $z_j$, so only the denominator contributes:

$$
\frac{\partial p_i}{\partial z_j} = \frac{0 \cdot S - e^{z_i} e^{z_j}}{S^2} \tag{7}
$$

$$
= -\frac{e^{z_i}}{S} \cdot \frac{e^{z_j}}{S} \tag{8}
$$

$$
= -p_i p_j \tag{9}
$$

## Derivative of the loss

The loss depends on each probability through one term only:

$$
\frac{\partial L}{\partial p_k} = -\frac{y_k}{p_k} \tag{10}
$$

By the chain rule, the logit $z_i$ reaches the loss through every $p_k$:

$$
\frac{\partial L}{\partial z_i}
= \sum_{k=1}^{N} \frac{\partial L}{\partial p_k} \frac{\partial p_k}{\partial z_i} \tag{11}
$$

Split off the term $k = i$ and use the two cases above:

$$
= -\frac{y_i}{p_i} p_i (1 - p_i) + \sum_{k \neq i} \left( -\frac{y_k}{p_k} \right) (-p_k p_i) \tag{12}
$$

$$
= -y_i + y_i p_i + \sum_{k \neq i} y_k p_i \tag{13}
$$

$$
= -y_i + p_i \left( y_i + \sum_{k \neq i} y_k \right) \tag{14}
$$

$$
= -y_i + p_i \sum_{k=1}^{N} y_k \tag{15}
$$

The labels are one-hot: exactly one $y_k$ is 1 and all the others are 0, so $\sum_{k} y_k = 1$.

$$
\frac{\partial L}{\partial z_i} = p_i - y_i \tag{16}
$$

That's it: the gradient is just the prediction minus the target.
"""

LECTURE_KO = r"""# 소프트맥스와 크로스 엔트로피의 미분

(3주차 강의 녹취 정리)

자, 오늘은 소프트맥스 출력에 크로스 엔트로피 손실을 붙였을 때
로짓 $o$ 에 대한 기울기를 직접 구해 보겠습니다.

클래스가 $N$ 개 있고 모델이 내놓는 로짓을 $o_1, \dots, o_N$ 이라고 합시다.
소프트맥스는 이렇게 정의됩니다.

$$
\hat{y}_i = \frac{e^{o_i}}{\sum_{k=1}^{N} e^{o_k}}
$$

정답 레이블을 $y$ 라고 하면 손실은 다음과 같습니다.

$$
L = -\sum_{k=1}^{N} y_k \log \hat{y}_k
$$

먼저 소프트맥스 자체를 미분해 봅시다. 몫의 미분법을 쓰는데,
분모를 $o_j$ 로 미분하면 $e^{o_j}$ 가 나온다는 것만 기억하면 됩니다.
$i = j$ 일 때는

$$
\begin{aligned}
\frac{\partial \hat{y}_i}{\partial o_i}
&= \frac{e^{o_i} \sum_{k=1}^{N} e^{o_k} - e^{o_i} e^{o_i}}{\left( \sum_{k=1}^{N} e^{o_k} \right)^2} \\
&= \frac{e^{o_i}}{\sum_{k=1}^{N} e^{o_k}} \left( 1 - \frac{e^{o_i}}{\sum_{k=1}^{N} e^{o_k}} \right) \\
&= \hat{y}_i (1 - \hat{y}_i)
\end{aligned}
$$

이고, $i \neq j$ 일 때는 분자가 $o_j$ 와 상관없으니까

$$
\begin{aligned}
\frac{\partial \hat{y}_i}{\partial o_j}
&= \frac{- e^{o_i} e^{o_j}}{\left( \sum_{k=1}^{N} e^{o_k} \right)^2} \\
&= - \hat{y}_i \hat{y}_j
\end{aligned}
$$

가 됩니다. 두 경우를 한 번에 쓰면 이렇습니다.

$$
\frac{\partial \hat{y}_i}{\partial o_j} =
\begin{cases}
\hat{y}_i (1 - \hat{y}_i) & \text{if } i = j \\
- \hat{y}_i \hat{y}_j & \text{if } i \neq j
\end{cases}
$$

이제 손실을 미분합니다. 체인 룰에 의해

$$
\begin{aligned}
\frac{\partial L}{\partial o_j}
&= \sum_{k=1}^{N} \frac{\partial L}{\partial \hat{y}_k} \frac{\partial \hat{y}_k}{\partial o_j} \\
&= -\sum_{k=1}^{N} \frac{y_k}{\hat{y}_k} \frac{\partial \hat{y}_k}{\partial o_j}
\end{aligned}
$$

여기서 합을 $k = j$ 인 항과 $k \neq j$ 인 항으로 나눕니다.

$$
\begin{aligned}
\frac{\partial L}{\partial o_j}
&= -\frac{y_j}{\hat{y}_j} \hat{y}_j (1 - \hat{y}_j)
   - \sum_{k \neq j} \frac{y_k}{\hat{y}_k} (-\hat{y}_k \hat{y}_j) \\
&= -y_j + y_j \hat{y}_j + \sum_{k \neq j} y_k \hat{y}_j \\
&= -y_j + \hat{y}_j \sum_{k=1}^{N} y_k
\end{aligned}
$$

레이블 $y$ 는 원-핫 벡터라서 정답 클래스 자리만 1 이고 나머지는 0 입니다.

$$
\frac{\partial L}{\partial o_j} = \hat{y}_j - y_j
$$

예측에서 정답을 뺀 값, 아주 깔끔하죠. 질문 있으면 다음 시간에 받겠습니다.
"""

NOTE_ZH = r"""# 笔记:Softmax + 交叉熵 的梯度

记网络最后一层的输出(logits)为 $a$,类别数为 $K$。
softmax 的输出记为 $s$:

$$
s_i = \frac{e^{a_i}}{\sum_{k=1}^{K} e^{a_k}}
$$

标签记为 $t$,交叉熵损失为

$$
E = -\sum_{k=1}^{K} t_k \ln s_k
$$

## 一、softmax 对 logits 求导

分子分母都含有 $a_i$,用商的求导法则。

$$
\frac{\partial s_i}{\partial a_i}
= \frac{e^{a_i} \sum_{k=1}^{K} e^{a_k} - e^{a_i} e^{a_i}}
{\left( \sum_{k=1}^{K} e^{a_k} \right)^2} \quad \text{当 } i = j \text{ 时}
$$

$$
= \frac{e^{a_i}}{\sum_{k=1}^{K} e^{a_k}} \cdot \frac{\sum_{k \neq i} e^{a_k}}{\sum_{k=1}^{K} e^{a_k}}
$$

$$
= s_i (1 - s_i)
$$

分子不含 $a_j$ 时只对分母求导:

$$
\frac{\partial s_i}{\partial a_j}
= -\frac{e^{a_i} e^{a_j}}{\left( \sum_{k=1}^{K} e^{a_k} \right)^2} \quad (i \neq j)
$$

$$
= -s_i s_j \quad (i \neq j)
$$

## 二、链式法则

先对 $s_k$ 求导:

$$
\frac{\partial E}{\partial s_k} = -\frac{t_k}{s_k}
$$

再把所有 $s_k$ 的贡献加起来,把 $k = i$ 的一项单独拿出来:

$$
\frac{\partial E}{\partial a_i}
= \sum_{k=1}^{K} \frac{\partial E}{\partial s_k} \frac{\partial s_k}{\partial a_i}
$$

$$
= -\frac{t_i}{s_i} s_i (1 - s_i) - \sum_{k \neq i} \frac{t_k}{s_k} (-s_k s_i)
$$

$$
= -t_i + t_i s_i + s_i \sum_{k \neq i} t_k
$$

$$
= -t_i + s_i \sum_{k=1}^{K} t_k
$$

标签 $t$ 是独热编码,只有正确类别那一位是 1。

$$
\frac{\partial E}{\partial a_i} = s_i - t_i
$$

结论:梯度等于预测概率减去标签。
"""

NOTE_JA = r"""# ソフトマックス関数と交差エントロピー誤差の勾配

分類モデルの出力層でよく使う組み合わせについて、
ロジット $z$ に関する勾配を手で計算しておく。

## 定義

クラス数を $N$ とする。ソフトマックス関数の出力を $p$ とおく。

$$
p_i = \frac{\exp(z_i)}{\sum_{k=1}^{N} \exp(z_k)}
$$

正解ラベルを $y$ として、交差エントロピー誤差は次のとおり。

$$
L = -\sum_{k=1}^{N} y_k \log p_k
$$

## ソフトマックスの微分

商の微分公式を使う。分母を $z_j$ で微分すると $\exp(z_j)$ になる。

$i = j$ のとき、分子も $z_i$ に依存するので

$$
\frac{\partial p_i}{\partial z_i}
= \frac{\exp(z_i) \sum_{k=1}^{N} \exp(z_k) - \exp(z_i)^2}{\left( \sum_{k=1}^{N} \exp(z_k) \right)^2}
$$

$$
= p_i - p_i^2
$$

$$
= p_i (1 - p_i)
$$

となる。添字が異なるとき、分子は $z_j$ に依存しないので

$$
\frac{\partial p_i}{\partial z_j} = -\frac{\exp(z_i) \exp(z_j)}{\left( \sum_{k=1}^{N} \exp(z_k) \right)^2}
$$

$$
= -p_i p_j
$$

となる。

## 誤差の微分

各 $p_k$ による微分は

$$
\frac{\partial L}{\partial p_k} = -\frac{y_k}{p_k}
$$

である。連鎖律より、$k = i$ の項とそれ以外の項に分けて

$$
\frac{\partial L}{\partial z_i}
= \sum_{k=1}^{N} \frac{\partial L}{\partial p_k} \frac{\partial p_k}{\partial z_i}
$$

$$
= -\frac{y_i}{p_i} \cdot p_i (1 - p_i) + \sum_{k \neq i} \frac{y_k}{p_k} \cdot p_k p_i
$$

$$
= -y_i + y_i p_i + p_i \sum_{k \neq i} y_k
$$

$$
= -y_i + p_i \sum_{k=1}^{N} y_k
$$

ここで正解ラベル $y$ はワンホットベクトルなので、正解の成分だけが 1 である。

$$
\frac{\partial L}{\partial z_i} = p_i - y_i
$$

よって勾配は「予測 − 正解」という簡単な形になる。
"""

POSTS = {"hugo-en": HUGO_EN, "lecture-ko": LECTURE_KO, "note-zh": NOTE_ZH, "note-ja": NOTE_JA}

# -- the mistakes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    """Replace ``correct`` (which occurs once in the post, on one line) with ``wrong``.

    ``step`` is a substring of the line that must no longer be ✓; by default the line of
    ``correct`` itself. Only the one-hot mutation points elsewhere: it removes a sentence, and
    the step that leaned on it is the one that must fail.
    """

    correct: str
    wrong: str
    step: str | None = None


ONE_HOT = "one-hot without being stated"

MISTAKES: dict[str, dict[str, Mistake]] = {
    "hugo-en": {
        # (10) dL/dp_k loses its minus sign
        "sign": Mistake(r"= -\frac{y_k}{p_k} \tag{10}", r"= \frac{y_k}{p_k} \tag{10}"),
        # (8) the second factor e^{z_j}/S becomes e^{z_i}/S
        "index": Mistake(r"\frac{e^{z_j}}{S} \tag{8}", r"\frac{e^{z_i}}{S} \tag{8}"),
        # (4) the quotient rule's S^2 becomes S
        "power": Mistake(r"{S^2} \tag{4}", r"{S} \tag{4}"),
        # (13) the term y_i p_i is left out
        "dropped term": Mistake(r"= -y_i + y_i p_i + \sum", r"= -y_i + \sum"),
        # (9) the i ≠ j case is given the i = j result
        "wrong case": Mistake(r"= -p_i p_j \tag{9}", r"= p_i (1 - p_i) \tag{9}"),
        ONE_HOT: Mistake(
            r"The labels are one-hot: exactly one $y_k$ is 1 and all the others are 0, "
            r"so $\sum_{k} y_k = 1$.",
            "",
            step=r"= p_i - y_i \tag{16}",
        ),
    },
    "lecture-ko": {
        # the k ≠ j sum of the split gets a plus instead of a minus
        "sign": Mistake(r"- \sum_{k \neq j} \frac{y_k}", r"+ \sum_{k \neq j} \frac{y_k}"),
        # y_k ŷ_j inside the k ≠ j sum becomes y_k ŷ_k
        "index": Mistake(r"\sum_{k \neq j} y_k \hat{y}_j", r"\sum_{k \neq j} y_k \hat{y}_k"),
        # the off-diagonal quotient loses the square of its denominator
        "power": Mistake(
            r"e^{o_j}}{\left( \sum_{k=1}^{N} e^{o_k} \right)^2}",
            r"e^{o_j}}{\left( \sum_{k=1}^{N} e^{o_k} \right)}",
        ),
        # -y_j is left out after the sum is put back together
        "dropped term": Mistake(r"&= -y_j + \hat{y}_j \sum", r"&= \hat{y}_j \sum"),
        # the i ≠ j row of the cases block is given the i = j result
        "wrong case": Mistake(
            r"- \hat{y}_i \hat{y}_j & \text{if } i \neq j", r"\hat{y}_i (1 - \hat{y}_i) & \text{if } i \neq j"
        ),
        ONE_HOT: Mistake(
            "레이블 $y$ 는 원-핫 벡터라서 정답 클래스 자리만 1 이고 나머지는 0 입니다.",
            "",
            step=r"= \hat{y}_j - y_j",
        ),
    },
    "note-zh": {
        # the i ≠ j quotient loses its minus sign
        "sign": Mistake(r"= -\frac{e^{a_i} e^{a_j}}", r"= \frac{e^{a_i} e^{a_j}}"),
        # t_k / s_k inside the k ≠ i sum becomes t_i / s_k
        "index": Mistake(r"\frac{t_k}{s_k} (-s_k s_i)", r"\frac{t_i}{s_k} (-s_k s_i)"),
        # the squared denominator of the diagonal quotient, on a line of its own, is cubed
        "power": Mistake(
            r"{\left( \sum_{k=1}^{K} e^{a_k} \right)^2} \quad \text{当",
            r"{\left( \sum_{k=1}^{K} e^{a_k} \right)^3} \quad \text{当",
        ),
        # the subtracted e^{a_i} e^{a_i} of the quotient rule is left out
        "dropped term": Mistake(
            r"e^{a_i} \sum_{k=1}^{K} e^{a_k} - e^{a_i} e^{a_i}}", r"e^{a_i} \sum_{k=1}^{K} e^{a_k}}"
        ),
        # the k ≠ i terms of the split are given the diagonal result s_k (1 - s_k)
        "wrong case": Mistake(r"\frac{t_k}{s_k} (-s_k s_i)", r"\frac{t_k}{s_k} s_k (1 - s_k)"),
        ONE_HOT: Mistake("标签 $t$ 是独热编码,只有正确类别那一位是 1。", "", step=r"= s_i - t_i"),
    },
    "note-ja": {
        # the final result is turned around: y_i - p_i
        "sign": Mistake(r"= p_i - y_i", r"= y_i - p_i"),
        # y_k / p_k inside the k ≠ i sum becomes y_k / p_i
        "index": Mistake(r"\frac{y_k}{p_k} \cdot p_k p_i", r"\frac{y_k}{p_i} \cdot p_k p_i"),
        # p_i - p_i^2 becomes p_i - p_i^3
        "power": Mistake(r"= p_i - p_i^2", r"= p_i - p_i^3"),
        # -y_i is left out
        "dropped term": Mistake(r"= -y_i + y_i p_i + p_i", r"= y_i p_i + p_i"),
        # the k = i term is given the off-diagonal result -p_i p_i
        "wrong case": Mistake(r"-\frac{y_i}{p_i} \cdot p_i (1 - p_i)", r"-\frac{y_i}{p_i} \cdot (-p_i p_i)"),
        ONE_HOT: Mistake(
            "ここで正解ラベル $y$ はワンホットベクトルなので、正解の成分だけが 1 である。",
            "",
            step=r"= p_i - y_i",
        ),
    },
}

# -- helpers ----------------------------------------------------------------------------------


@functools.cache
def report_of(text: str) -> Report:
    return check_text(text, ".md")


def line_of(text: str, fragment: str) -> int:
    """The 1-based line on which ``fragment`` occurs, once in the whole text."""
    assert text.count(fragment) == 1, f"{fragment!r} occurs {text.count(fragment)} times"
    assert "\n" not in fragment
    return text[: text.index(fragment)].count("\n") + 1


def inject(post: str, mistake: Mistake) -> tuple[str, int]:
    """The post with the mistake in it, and the line of the step that must be caught."""
    line_of(post, mistake.correct)
    broken = post.replace(mistake.correct, mistake.wrong)
    return broken, line_of(broken, mistake.step or mistake.wrong)


def summary(report: Report) -> list[tuple[int, str, str]]:
    return [(f.line, f.mark, f.detail) for f in report.findings]


# -- the unmutated posts ----------------------------------------------------------------------


@pytest.mark.parametrize("name", POSTS)
def test_every_step_of_the_correct_post_is_proven(name):
    report = report_of(POSTS[name])
    steps = [f for f in report.findings if f.verdict not in (DEFINITION, NOTE)]
    not_proven = [(f.line, f.verdict, f.source, f.detail) for f in steps if f.verdict != PROVEN]
    assert not not_proven
    assert len(steps) >= 10, summary(report)
    assert report.final is not None and report.final.agrees, report.final
    assert report.assumption is not None


# -- the injected mistakes --------------------------------------------------------------------


def _cases():
    for name, mistakes in MISTAKES.items():
        for kind in mistakes:
            yield pytest.param(name, kind, id=f"{name}-{kind.replace(' ', '-')}")


@pytest.mark.parametrize(("name", "kind"), list(_cases()))
def test_an_injected_mistake_is_found_on_its_own_line(name, kind):
    broken, line = inject(POSTS[name], MISTAKES[name][kind])
    report = report_of(broken)
    if kind == ONE_HOT:
        at_line = [f for f in report.findings if line in f.lines]
        assert at_line, summary(report)
        assert all(f.verdict != PROVEN for f in at_line), summary(report)
        return
    wrong = [f for f in report.findings if f.verdict == WRONG]
    found = [f for f in wrong if line in f.lines]
    assert found, (line, summary(report))
    # A later line may carry the mistake, or undo it, if it says where it comes from.
    ways = ("inherited from", "restates", "does not follow from")
    carried = tuple(f"{how} line {f.line}" for f in found for how in ways)
    elsewhere = [(f.line, f.detail) for f in wrong if f not in found and not f.detail.startswith(carried)]
    assert not elsewhere, (line, elsewhere)


# -- where the post says the labels are one-hot -------------------------------------------


@pytest.mark.parametrize("name", POSTS)
def test_the_report_names_the_line_that_says_the_labels_are_one_hot(name):
    post = POSTS[name]
    sentence = MISTAKES[name][ONE_HOT].correct
    assert report_of(post).assumption.startswith(f"line {line_of(post, sentence)}:")
