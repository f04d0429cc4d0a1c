"""The replica: a local stand-in for www.gwangju.go.kr's 시정소식 boards, for tests, benchmarks
and the offline demo. It serves the real markup on loopback only.

It owns the stand-in site's state (posts, mutations, faults, attacks) and its rendering, skin
family by skin family. It never touches an archive: what it serves is the only contract.

Of this project it imports: `common`, and `crawler.parsing` and `crawler.normalise` (the
fuzz's oracle in `mangle.py` parses what it mangles).
"""

from replica.client import ReplicaClient, ReplicaError
from replica.server import ReplicaServer
from replica.state import BOARDS, ReplicaState

__all__ = ["BOARDS", "ReplicaClient", "ReplicaError", "ReplicaServer", "ReplicaState"]
