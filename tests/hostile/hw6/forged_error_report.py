# affected: all
# message: is not defined | raised

# The worker's error reports are forged with fields of the wrong types (a list for the message of a
# "missing" name, a dict for the kind, a huge "where"): the grader reads them as the student's failure,
# never a grader error, and no diagnosis in the reports is the worker's own value.
import itertools
import sys

_probes = sys.modules.get('autograder.sandbox.probes')
_calls = itertools.count()
_forged = ({'kind': 'missing', 'message': ['a', 'b']},
           {'kind': {'forged': 1}, 'message': ['a'], 'type': ['x'], 'where': 'w' * 10**6})
if _probes is not None:
    _probes.run = lambda *a, **k: ({'ok': False, 'error': _forged[next(_calls) % 2]}, {})
