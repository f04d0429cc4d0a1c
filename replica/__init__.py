"""The replica: a local stand-in for www.gwangju.go.kr's 시정소식 boards, for tests, benchmarks
and the offline demo. It serves the real markup on loopback only."""

from replica.client import ReplicaClient, ReplicaError
from replica.server import ReplicaServer
from replica.state import BOARDS, ReplicaState

__all__ = ["BOARDS", "ReplicaClient", "ReplicaError", "ReplicaServer", "ReplicaState"]
