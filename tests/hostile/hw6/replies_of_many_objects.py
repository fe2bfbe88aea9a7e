# affected: all
# message: oversized reply

# Every reply is 3 MB of JSON that would decode to a million empty lists, then be kept: the grader
# refuses it before parsing, and its memory stays bounded.
import sys

_probes = sys.modules.get('autograder.sandbox.probes')
if _probes is not None:
    _probes.run = lambda *a, **k: ({"ok": True, "body": [[]] * 1_000_000}, {})
