# SPDX-License-Identifier: Apache-2.0
"""What the responder tests share: waiting for a responder to be up."""
import time


def wait_started(p, log, limit=10.0):
    """Until the responder's log has its start event (its sockets are bound by then), or it
    exits, or limit seconds pass: a fixed sleep lost that race on a loaded machine."""
    end = time.monotonic() + limit
    while time.monotonic() < end and p.poll() is None:
        try:
            with open(log) as f:
                if '"type":"start"' in f.read(65536):
                    return True
        except OSError:
            pass
        time.sleep(0.02)
    return False
