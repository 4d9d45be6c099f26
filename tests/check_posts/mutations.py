"""Broken copies of the check_posts fixtures: each entry makes one step of one post false.

Apply an entry by replacing ``old`` with ``new`` on line ``line`` (1-based) of ``post``; ``old``
occurs exactly once on that line. Every mutated step was checked to be false, for one-hot labels
too, at N = 3 and N = 4 (the N = 3 worked example only at N = 3) and every index case the post
allows, so ``derive check`` must report it as wrong (✗). Only derived steps are mutated, never
definitions. Kinds: "sign", "index", "power", "dropped-term", "case".
"""

from __future__ import annotations

MUTATIONS: list[dict[str, object]] = [
    # hugo-en.md: (7) dL/dp_i loses its minus sign
    {
        "post": "hugo-en.md",
        "line": 66,
        "old": r"-\frac{y_i}{p_i}",
        "new": r"\frac{y_i}{p_i}",
        "kind": "sign",
    },
    # hugo-en.md: (10) quotient-rule denominator S^2 becomes S
    {
        "post": "hugo-en.md",
        "line": 88,
        "old": r"{S^2}",
        "new": r"{S}",
        "kind": "power",
    },
    # hugo-en.md: (11) the square becomes a cube
    {
        "post": "hugo-en.md",
        "line": 94,
        "old": r"\right)^2",
        "new": r"\right)^3",
        "kind": "power",
    },
    # hugo-en.md: (15) the minus of the quotient rule becomes a plus
    {
        "post": "hugo-en.md",
        "line": 118,
        "old": r"S \cdot 0 - e^{z_i}",
        "new": r"S \cdot 0 + e^{z_i}",
        "kind": "sign",
    },
    # hugo-en.md: (16) e^{z_j}/S becomes e^{z_i}/S, giving -p_i^2 instead of -p_i p_j
    {
        "post": "hugo-en.md",
        "line": 122,
        "old": r"\frac{e^{z_j}}{S}",
        "new": r"\frac{e^{z_i}}{S}",
        "kind": "index",
    },
    # hugo-en.md: (20) the j = i term gets the off-diagonal value -p_i p_i instead of p_i(1 - p_i)
    {
        "post": "hugo-en.md",
        "line": 151,
        "old": r"p_i \left( 1 - p_i \right)",
        "new": r"\left( -p_i \cdot p_i \right)",
        "kind": "case",
    },
    # hugo-en.md: (21) y_j p_i inside the j != i sum becomes y_i p_j
    {
        "post": "hugo-en.md",
        "line": 158,
        "old": r"y_j \cdot p_i",
        "new": r"y_i \cdot p_j",
        "kind": "index",
    },
    # hugo-en.md: (22) the term y_i p_i is left out
    {
        "post": "hugo-en.md",
        "line": 162,
        "old": r"-y_i + y_i \cdot p_i + p_i",
        "new": r"-y_i + p_i",
        "kind": "dropped-term",
    },
    # hugo-en.md: (23) y_i is left out of the bracket
    {
        "post": "hugo-en.md",
        "line": 166,
        "old": r"\left( y_i + \sum_{j \neq i} y_j \right)",
        "new": r"\left( \sum_{j \neq i} y_j \right)",
        "kind": "dropped-term",
    },
    # velog-ko.md: diagonal quotient rule: squared denominator cubed
    {
        "post": "velog-ko.md",
        "line": 26,
        "old": r"\right)^2",
        "new": r"\right)^3",
        "kind": "power",
    },
    # velog-ko.md: off-diagonal result loses its minus sign
    {
        "post": "velog-ko.md",
        "line": 57,
        "old": r"-\hat{y}_i * \hat{y}_n",
        "new": r"\hat{y}_i * \hat{y}_n",
        "kind": "sign",
    },
    # velog-ko.md: cases block: the i != n case becomes 0
    {
        "post": "velog-ko.md",
        "line": 62,
        "old": r"-\hat{y}_i * \hat{y}_n \quad(i \neq n)",
        "new": r"0 \quad(i \neq n)",
        "kind": "case",
    },
    # velog-ko.md: split sum: the i = n term gets the off-diagonal value
    {
        "post": "velog-ko.md",
        "line": 88,
        "old": r"\hat{y}_n * (1 - \hat{y}_n)",
        "new": r"(-\hat{y}_n * \hat{y}_n)",
        "kind": "case",
    },
    # velog-ko.md: y_i * yhat_n inside the i != n sum becomes y_i * yhat_i
    {
        "post": "velog-ko.md",
        "line": 94,
        "old": r"y_i * \hat{y}_n",
        "new": r"y_i * \hat{y}_i",
        "kind": "index",
    },
    # velog-ko.md: y_n is left out of the bracket
    {
        "post": "velog-ko.md",
        "line": 100,
        "old": r"\left(y_n + \sum",
        "new": r"\left(\sum",
        "kind": "dropped-term",
    },
    # velog-ko.md: final result flipped to y_n - yhat_n
    {
        "post": "velog-ko.md",
        "line": 111,
        "old": r"\hat{y}_n - y_n",
        "new": r"y_n - \hat{y}_n",
        "kind": "sign",
    },
    # note-zh.md: d(1/sum)/da_i loses its minus sign
    {
        "post": "note-zh.md",
        "line": 23,
        "old": r"\frac{-e^{a_i}}",
        "new": r"\frac{e^{a_i}}",
        "kind": "sign",
    },
    # note-zh.md: sum_{j != i} e^{a_j} becomes sum_{j != i} e^{a_i}
    {
        "post": "note-zh.md",
        "line": 27,
        "old": r"\frac{\sum_{j \neq i} e^{a_j}}{",
        "new": r"\frac{\sum_{j \neq i} e^{a_i}}{",
        "kind": "index",
    },
    # note-zh.md: off-diagonal: squared denominator cubed
    {
        "post": "note-zh.md",
        "line": 41,
        "old": r"\right)^2",
        "new": r"\right)^3",
        "kind": "power",
    },
    # note-zh.md: aligned row 3: the j = i term gets the off-diagonal value -s_i s_i
    {
        "post": "note-zh.md",
        "line": 59,
        "old": r"s_i (1 - s_i)",
        "new": r"(-s_i \cdot s_i)",
        "kind": "case",
    },
    # note-zh.md: aligned row 3: t_j/s_j becomes t_j/s_i inside the j != i sum
    {
        "post": "note-zh.md",
        "line": 59,
        "old": r"\frac{t_j}{s_j} \cdot (-s_j \cdot s_i)",
        "new": r"\frac{t_j}{s_i} \cdot (-s_j \cdot s_i)",
        "kind": "index",
    },
    # note-zh.md: aligned row 4: the term t_i s_i is left out
    {
        "post": "note-zh.md",
        "line": 60,
        "old": r"-t_i + t_i \cdot s_i + s_i",
        "new": r"-t_i + s_i",
        "kind": "dropped-term",
    },
    # lecture-n3.md: dyhat_1/do_1 row 5: e^{o_2}+e^{o_3} becomes e^{o_1}+e^{o_3}
    {
        "post": "lecture-n3.md",
        "line": 61,
        "old": r"\cdot \frac{e^{o_2}+e^{o_3}}{",
        "new": r"\cdot \frac{e^{o_1}+e^{o_3}}{",
        "kind": "index",
    },
    # lecture-n3.md: dyhat_1/do_1 row 5: e^{o_3} is left out of e^{o_2}+e^{o_3}
    {
        "post": "lecture-n3.md",
        "line": 61,
        "old": r"\cdot \frac{e^{o_2}+e^{o_3}}{",
        "new": r"\cdot \frac{e^{o_2}}{",
        "kind": "dropped-term",
    },
    # lecture-n3.md: dyhat_1/do_2 row 3: squared denominator cubed
    {
        "post": "lecture-n3.md",
        "line": 79,
        "old": r"\cdot e^{o_2}}{(e^{o_1}+e^{o_2}+e^{o_3})^2}",
        "new": r"\cdot e^{o_2}}{(e^{o_1}+e^{o_2}+e^{o_3})^3}",
        "kind": "power",
    },
    # lecture-n3.md: dyhat_1/do_2 row 5: -yhat_1 yhat_2 loses its minus sign
    {
        "post": "lecture-n3.md",
        "line": 79,
        "old": r"&= -\hat{y}_1 \cdot \hat{y}_2",
        "new": r"&= \hat{y}_1 \cdot \hat{y}_2",
        "kind": "sign",
    },
    # lecture-n3.md: cases block: the 'otherwise' case becomes 0
    {
        "post": "lecture-n3.md",
        "line": 86,
        "old": r"-\hat{y}_i \cdot \hat{y}_j, & \text{otherwise}",
        "new": r"0, & \text{otherwise}",
        "kind": "case",
    },
    # lecture-n3.md: the k = j term of the split loses its leading minus sign
    {
        "post": "lecture-n3.md",
        "line": 128,
        "old": r"= -y_j \frac{1}{\hat{y}_j}",
        "new": r"= y_j \frac{1}{\hat{y}_j}",
        "kind": "sign",
    },
    # lecture-n3.md: y_k yhat_j inside the k != j sum becomes y_k yhat_k
    {
        "post": "lecture-n3.md",
        "line": 134,
        "old": r"y_k \hat{y}_j",
        "new": r"y_k \hat{y}_k",
        "kind": "index",
    },
    # lecture-n3.md: the term y_j yhat_j is left out
    {
        "post": "lecture-n3.md",
        "line": 138,
        "old": r"-y_j + y_j \hat{y}_j + \hat{y}_j",
        "new": r"-y_j + \hat{y}_j",
        "kind": "dropped-term",
    },
]
