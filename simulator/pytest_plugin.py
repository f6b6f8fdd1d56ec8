"""trailsim's pytest plugin (the ``pytest11`` entry point): fixtures only.

Heavy imports (moto, boto3, werkzeug) wait until a fixture runs, because this module loads in
every pytest run wherever trailsim is installed.
"""

from __future__ import annotations
