"""gitops-compliance: GitOps policy and compliance engine.

Stages (one sub-package each, data flowing one way): source -> discover -> load -> evaluate
-> decide -> report. ``engine.model`` holds the neutral data between them.
"""

__version__ = "0.1.0"
