import subprocess
import sys

from voicebuddy.netguard import is_local_host

PROBE = """
import socket, urllib.request
from voicebuddy import netguard
netguard.install()
results = []
for target in [("127.0.0.1", 9), ("::1", 9), ("localhost", 9)]:
    s = socket.socket(socket.AF_INET6 if ":" in target[0] else socket.AF_INET)
    try:
        s.connect(target)
    except netguard.NetworkBlocked:
        results.append("blocked")
    except OSError:
        results.append("allowed")  # refused by the closed port, not by the guard
    finally:
        s.close()
for call in [lambda: socket.create_connection(("192.0.2.1", 80), timeout=1),
             lambda: socket.getaddrinfo("example.com", 443),
             lambda: urllib.request.urlopen("http://198.51.100.7/", timeout=1)]:
    try:
        call()
        results.append("connected")
    except netguard.NetworkBlocked:
        results.append("blocked")
    except Exception as exc:
        cause = exc.__cause__ or exc.__context__
        blocked = isinstance(cause, netguard.NetworkBlocked) or "offline" in str(exc)
        results.append("blocked" if blocked else repr(exc))
print(" ".join(results))
"""


def test_loopback_allowed_everything_else_refused() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["allowed"] * 3 + ["blocked"] * 3


def test_local_host_names() -> None:
    assert is_local_host("127.0.0.5") and is_local_host("::1") and is_local_host("LOCALHOST")
    assert is_local_host(None) and is_local_host(b"127.0.0.1")
    assert not is_local_host("10.0.0.1") and not is_local_host("example.com")
    assert not is_local_host("::ffff:8.8.8.8")
