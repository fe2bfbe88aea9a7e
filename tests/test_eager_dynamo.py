"""torch._dynamo deferred (eager_dynamo.py): eager training never imports it, anything else gets all of it
(in a worker: test_isolation.py)."""
from __future__ import annotations

import subprocess
import sys
import textwrap

from conftest import ROOT

TRAINING = """
import sys, torch
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.linspace(-1, 1, 32).reshape(-1, 1)
for _ in range(20):
    optimizer.zero_grad()
    loss = ((model(x) - x ** 2) ** 2).mean()
    loss.backward()
    optimizer.step()
"""


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout


def test_eager_training_is_the_same_and_never_runs_the_real_package():
    plain = _run(TRAINING + "print(loss.item(), 'torch._dynamo' in sys.modules)")
    deferred = _run("from autograder import eager_dynamo\neager_dynamo.install()\n" + TRAINING
                    + "print(loss.item(), type(sys.modules['torch._dynamo']).__name__)")
    loss, imported = plain.split()
    assert imported == "True"  # without the deferral, an optimizer's step imports the whole package
    assert deferred.split() == [loss, "_Deferred"]  # the same training, bit for bit, and the package never ran


def test_anything_else_asked_of_it_runs_the_real_package_in_place():
    deferred = "from autograder import eager_dynamo\neager_dynamo.install()\nimport torch\n"
    out = _run(deferred + TRAINING + textwrap.dedent("""
        import torch._dynamo.config
        deferred = sys.modules['torch._dynamo']
        print(type(deferred).__name__, deferred is torch._dynamo, torch._dynamo.config.cache_size_limit > 0)
        compiled = torch.compile(lambda v: v * 2 + 1, backend="eager")
        print(compiled(torch.ones(2)).tolist(),
              callable(torch._dynamo.explain))
        optimizer.zero_grad(); model(x).sum().backward(); optimizer.step()
        print(torch._dynamo.graph_break is not eager_dynamo._graph_break)
    """))
    assert out.split("\n")[:3] == ["module True True", "[3.0, 3.0] True", "True"]
