# affected: all
# message: Forged | malformed reply

import sys

_probes = sys.modules.get('autograder.sandbox.probes')
if _probes is not None:
    _probes.run = lambda *a, **k: ({'ok': True, 'body': {'$dict': [['value', {'$opaque': 'Forged'}]]}}, {})
