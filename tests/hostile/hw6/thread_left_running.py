# affected: none
# message: 

import threading, time

_t = threading.Thread(target=lambda: [time.sleep(0.01) for _ in iter(int, 1)], daemon=True)
_t.start()
