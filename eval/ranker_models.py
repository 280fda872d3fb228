"""The models ``python -m eval.train_ranker`` fits over the examples: the kind heads (which
kind a question asks, which kind a sentence answers: two softmax regressions over the
MiniLM vectors), and the small listwise + pointwise network (or logistic model) over either
the scalar features with the kind agreement or the raw vectors, with the rows each reads and
its scores on an example.

Left out: the examples themselves (``eval.ranker_splits``), measuring and thresholds
(``eval.ranker_figures``), and writing the shipped scorer (``rag.compose.scorer``).
"""

from __future__ import annotations

import random

import numpy as np

from rag.compose.scorer import SCALARS, KindHeads, vector_features
from rag.question.kinds import MEDQUAD_KINDS, KindModel

from .ranker_data import Example


# --- the fitted models ---------------------------------------------------------------------


DROPPED: tuple[str, ...] = ()  # scalar features the network may not read (``--drop``, set by eval.train_ranker)


def scalars_of(ex: Example) -> np.ndarray:
    """The example's scalar features, dropped ones read as 0."""
    scalars = ex.scalars.copy()
    for name in DROPPED:
        scalars[:, SCALARS.index(name)] = 0.0
    return scalars


def vector_rows(ex: Example, extra: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(raw inputs, numeric inputs to normalise) over the raw vectors."""
    numeric = scalars_of(ex) if extra is None else np.hstack([scalars_of(ex), extra[:, None]])
    return vector_features(ex.qvec, ex.vectors), numeric


def kind_rows(heads: KindHeads, kinds: KindModel):
    """(raw inputs, numeric inputs) over the scalar features and the kind agreement, with the
    question's kind from the pipeline's own kind model, as at run time."""
    asked: dict[int, dict[str, float]] = {}

    def rows(ex: Example, extra: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        if id(ex) not in asked:
            asked[id(ex)] = kinds.predict(ex.qvec[None, :], [ex.question])[0].scores
        numeric = np.hstack([scalars_of(ex), heads.agreement(ex.qvec, ex.vectors, asked[id(ex)])[:, None]])
        numeric = numeric if extra is None else np.hstack([numeric, extra[:, None]])
        return np.zeros((len(ex.cands), 0), np.float32), numeric
    return rows


def fit_softmax(x: np.ndarray, y: np.ndarray, w: np.ndarray, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A weighted multinomial logistic regression (weight decay), full batch."""
    import torch

    torch.manual_seed(seed)
    xt, yt, wt = (torch.tensor(x, dtype=torch.float32), torch.tensor(y), torch.tensor(w, dtype=torch.float32))
    lin = torch.nn.Linear(x.shape[1], classes)
    opt = torch.optim.AdamW(lin.parameters(), lr=0.05, weight_decay=1e-3)
    for _ in range(300):
        loss = (torch.nn.functional.cross_entropy(lin(xt), yt, reduction="none") * wt).sum() / wt.sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return lin.weight.detach().numpy().T.copy(), lin.bias.detach().numpy().copy()


def fit_heads(train: list[Example], seed: int) -> KindHeads:
    """Which kind a question asks, and which kind a sentence of an answer answers, from the
    training examples (MedQuAD question types mapped onto the bot's kinds)."""
    kinds = tuple(sorted({MEDQUAD_KINDS[ex.qtype] for ex in train if ex.qtype in MEDQUAD_KINDS}))
    index = {k: i for i, k in enumerate(kinds)}
    asked = [ex for ex in train if ex.qtype in MEDQUAD_KINDS]
    qw, qb = fit_softmax(np.stack([ex.qvec for ex in asked]), np.array([index[MEDQUAD_KINDS[ex.qtype]] for ex in asked]),
                         np.ones(len(asked)), len(kinds), seed)
    xs, ys, ws = [], [], []
    for ex in asked:
        on = ex.labels > 0
        xs.append(ex.vectors[on])
        ys += [index[MEDQUAD_KINDS[ex.qtype]]] * int(on.sum())
        ws.append(ex.weights[on])
    sw, sb = fit_softmax(np.vstack(xs), np.array(ys), np.concatenate(ws), len(kinds), seed)
    return KindHeads(kinds, qw, qb, sw, sb)


def fit_network(train: list[Example], hidden: int, epochs: int, seed: int, rows=vector_rows,
                extra: dict[int, np.ndarray] | None = None) -> tuple[dict, np.ndarray, np.ndarray]:
    """A listwise + pointwise fit of one hidden layer (``hidden`` = 0: logistic) over
    ``rows(example)``: the raw inputs, then the numeric ones it normalises."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(2)
    parts = [rows(ex, extra.get(id(ex)) if extra else None) for ex in train]
    numeric = np.vstack([n for _, n in parts])
    mean, scale = numeric.mean(axis=0), numeric.std(axis=0) + 1e-6
    xs = [torch.tensor(np.hstack([r, (n - mean) / scale]), dtype=torch.float32) for r, n in parts]
    ys = [torch.tensor(ex.labels) for ex in train]
    ws = [torch.tensor(ex.weights) for ex in train]
    dim = xs[0].shape[1]
    if hidden:
        net = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(dim, hidden), torch.nn.ReLU(),
                                  torch.nn.Linear(hidden, 1))
    else:
        net = torch.nn.Sequential(torch.nn.Linear(dim, 1))
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3 if dim > 100 else 1e-2, weight_decay=1e-3)
    order = list(range(len(train)))
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(order)
        net.train()
        for start in range(0, len(order), 32):
            batch = order[start:start + 32]
            loss = 0.0
            for i in batch:
                logits = net(xs[i]).squeeze(-1)
                target = ws[i] / ws[i].sum()
                listwise = -(target * torch.log_softmax(logits, dim=0)).sum()
                pointwise = torch.nn.functional.binary_cross_entropy_with_logits(logits, ys[i])
                loss = loss + listwise + pointwise
            opt.zero_grad()
            (loss / len(batch)).backward()
            opt.step()
    net.eval()
    state = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
    first = "1.weight" if hidden else "0.weight"
    raw_inputs = dim - numeric.shape[1]
    for name in DROPPED:  # never seen varying: must not weigh anything at run time
        k = SCALARS.index(name)
        state[first][:, raw_inputs + k] = 0.0
        mean[k], scale[k] = 0.0, 1.0
    if hidden:
        params = {"w1": state["1.weight"].T, "b1": state["1.bias"], "w2": state["3.weight"][0], "b2": float(state["3.bias"][0])}
    else:  # a logistic model is a network whose hidden layer passes its one unit through
        w = state["0.weight"][0]
        params = {"w1": np.stack([w, -w], axis=1), "b1": np.array([state["0.bias"][0], -state["0.bias"][0]]),
                  "w2": np.array([1.0, -1.0]), "b2": 0.0}
    return params, mean, scale


def network_scores(params: dict, mean: np.ndarray, scale: np.ndarray, ex: Example, rows=vector_rows,
                   extra: np.ndarray | None = None) -> np.ndarray:
    raw, numeric = rows(ex, extra)
    x = np.hstack([raw, (numeric - mean) / scale])
    return np.maximum(x @ params["w1"] + params["b1"], 0.0) @ params["w2"] + params["b2"]
