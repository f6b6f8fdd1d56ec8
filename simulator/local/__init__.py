"""trailsim's local cloud: EventBridge, CloudTrail emitter, Chatbot, Slack and moto, offline.

``from simulator.local import LocalCloud``; see `simulator.local.server`.
"""

from __future__ import annotations

from simulator.local.server import LocalCloud

__all__ = ["LocalCloud"]
