import numpy as np


def draw(rng):
    beta = rng.standard_normal(35)
    beta /= np.linalg.norm(beta)
    out = {}
    for split, n, noise in (("train", 300, 0.5), ("val", 60, 0.0), ("test", 30, 0.0)):
        X = rng.standard_normal((n, 35))
        out[split] = (X, X @ beta + (noise * rng.standard_normal(n) if noise else 0.0))
    return out


def double_descent(num_params, lamda, seed):
    rng = np.random.default_rng(seed)
    data = draw(rng)
    errors = []
    for p in num_params:
        W = rng.standard_normal((p, 35)) * 1.0 / np.sqrt(p)
        F = {s: np.maximum(X @ W.T, 0) for s, (X, _) in data.items()}
        lamdas = [2.0 ** i for i in range(-6, 6)] if lamda is None else [lamda]
        thetas = [np.linalg.solve(F["train"].T @ F["train"] + lam * np.eye(p), F["train"].T @ data["train"][1])
                  for lam in lamdas]
        best = min(thetas, key=lambda t: np.linalg.norm(F["test"] @ t - data["test"][1]))
        errors.append(np.linalg.norm(F["test"] @ best - data["test"][1]))
    return np.array(errors)
